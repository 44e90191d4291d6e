// The migration loop around the planner: it stops on a refusal or an interruption without writing anything, and
// the dry run renders the plan.
import { afterEach, describe, expect, test } from 'bun:test';
import type { KubeClient } from '../../../core/kube/client.ts';
import { kubeApiErrorFromStatus } from '../../../core/kube/errors.ts';
import { FakeClock } from '../../../core/runtime/clock.ts';
import { PdClientFactory } from '../../pd/client/pd-client.ts';
import { servePd } from '../../pd/client/testing.ts';
import { describePlan, planNext } from './plan.ts';
import { renderDryRun, runMigration } from './run.ts';
import { defaultMigrationOptions, type MigrationTarget } from './state.ts';
import { target as basic, legacyOnly } from './testing.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** An apiserver that has nothing and accepts no write: a write would fail the test. */
const emptyKube = (): KubeClient => {
  const notFound = () => Promise.reject(kubeApiErrorFromStatus({ code: 404, reason: 'NotFound' }));
  const write = () => Promise.reject(new Error('the migration wrote although it refused'));
  return {
    get: notFound,
    list: async () => ({ items: [], resourceVersion: '1' }),
    create: write,
    replace: write,
    delete: write,
    mergePatch: write,
    apply: write,
    patchStatus: write,
    applyStatus: write,
    watch: write,
  };
};

const target: MigrationTarget = { ...basic, namespace: 'default' };

function deps() {
  const pd = servePd({ stores: 3 });
  cleanups.push(() => pd.stop());
  return { kube: emptyKube(), pdClients: new PdClientFactory({ resolver: pd.resolver }), clock: new FakeClock() };
}

describe('runMigration', () => {
  test('refuses without writing when the legacy objects are missing, naming the phase and every problem', async () => {
    const lines: string[] = [];
    const result = await runMigration(deps(), target, {
      ...defaultMigrationOptions,
      progress: (l) => void lines.push(l),
    });
    expect(result).toEqual({
      outcome: 'refused',
      phase: 'check preconditions',
      reason:
        'TikvCluster default/basic not found: install the corrected CRD (crds/legacy) so it can be read, or pass it with -f; StatefulSet default/basic-pd not found; StatefulSet default/basic-tikv not found',
    });
    expect(lines).toEqual([]);
  });

  test('an interruption before the next step stops the run, to be continued', async () => {
    const aborted = new AbortController();
    aborted.abort();
    const result = await runMigration(deps(), target, {
      ...defaultMigrationOptions,
      signal: aborted.signal,
      progress: () => {},
    });
    expect(result).toEqual({ outcome: 'stopped', reason: 'interrupted: run the command again to continue' });
  });
});

describe('renderDryRun', () => {
  test('a plan that would proceed names the first action', () => {
    const state = legacyOnly();
    const text = renderDryRun(basic, {
      plan: describePlan(state, defaultMigrationOptions),
      next: planNext(state, defaultMigrationOptions),
      problems: [],
    });
    expect(text.split('\n').slice(0, 4)).toEqual([
      'Migration of TikvCluster tikv/basic to Cluster basic (join-and-drain):',
      '  [x] check preconditions: PD healthy, every store Up, no down peers, no evict-leader scheduler, legacy operator stopped',
      '  [x] convert the TikvCluster: Cluster basic, PDGroup basic-pdg, TiKVGroup basic-kvg; 0 warnings',
      '  [>] create the Cluster and the PDGroup: PDGroup basic-pdg joins http://basic-pd.tikv.svc:2379 (spec.join), never bootstraps',
    ]);
    expect(text).toEndWith(
      'A run would start with [create the Cluster and the PDGroup] creating Cluster basic, PDGroup basic-pdg\n',
    );
  });

  test('a refusal lists the failed preconditions once', () => {
    const state = legacyOnly({ legacyOperator: { kind: 'checked', running: ['a/b'] } });
    const next = planNext(state, defaultMigrationOptions);
    const text = renderDryRun(basic, {
      plan: describePlan(state, defaultMigrationOptions),
      next,
      problems: ['the legacy tikv-operator runs (Deployment a/b)'],
    });
    expect(text).toContain('Preconditions that fail now:\n  - the legacy tikv-operator runs (Deployment a/b)\n');
    expect(text).toEndWith('A run would refuse [check preconditions]: the preconditions above fail\n');
  });
});
