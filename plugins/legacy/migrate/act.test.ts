// Carrying out actions: repeats after a crash do no harm (creation tolerates AlreadyExists, a StatefulSet is only
// lowered from the replicas the planner saw), PD's refusals become a retry, the TikvCluster's status is patched.
import { afterEach, describe, expect, test } from 'bun:test';
import type { KubeClient } from '../../../core/kube/client.ts';
import { kubeApiErrorFromStatus } from '../../../core/kube/errors.ts';
import type { KubeObject } from '../../../core/kube/object.ts';
import { FakeClock } from '../../../core/runtime/clock.ts';
import { PdClientFactory } from '../../pd/client/pd-client.ts';
import { servePd, TEST_PD_URL } from '../../pd/client/testing.ts';
import { carryOut } from './act.ts';
import type { MigrationAction } from './plan.ts';
import { legacyOnly, pdReading } from './testing.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

interface Write {
  verb: string;
  kind: string;
  name: string;
  body?: unknown;
}

/** Records writes; `get` answers the StatefulSet given, `create` and `replace` fail as told. */
function recordingKube(opts: { statefulSetReplicas?: number; createFails?: string; replaceFails?: string } = {}) {
  const writes: Write[] = [];
  const fail = (reason: string, code: number) => Promise.reject(kubeApiErrorFromStatus({ code, reason }));
  const kube: KubeClient = {
    get: async <T extends KubeObject>(kind: { kind: string }, name: string) =>
      ({
        kind: kind.kind,
        metadata: { name, resourceVersion: '7' },
        spec: { replicas: opts.statefulSetReplicas ?? 3, serviceName: 'x' },
      }) as unknown as T,
    list: async () => ({ items: [], resourceVersion: '1' }),
    create: async <T extends KubeObject>(kind: { kind: string }, obj: T) => {
      if (opts.createFails) return fail(opts.createFails, 409) as Promise<T>;
      writes.push({ verb: 'create', kind: kind.kind, name: obj.metadata.name });
      return obj;
    },
    replace: async <T extends KubeObject>(kind: { kind: string }, obj: T) => {
      if (opts.replaceFails) return fail(opts.replaceFails, 409) as Promise<T>;
      writes.push({ verb: 'replace', kind: kind.kind, name: obj.metadata.name, body: obj });
      return obj;
    },
    delete: async (kind, name) => {
      writes.push({ verb: 'delete', kind: kind.kind, name });
    },
    mergePatch: async <T extends KubeObject>(kind: { kind: string }, name: string, _ns: unknown, patch: unknown) => {
      writes.push({ verb: 'patch', kind: kind.kind, name, body: patch });
      return {} as T;
    },
    apply: () => Promise.reject(new Error('no apply')),
    patchStatus: () => Promise.reject(new Error('no patchStatus')),
    applyStatus: () => Promise.reject(new Error('no applyStatus')),
    watch: () => Promise.reject(new Error('no watch')),
  };
  return { kube, writes };
}

function setup(kubeOpts: Parameters<typeof recordingKube>[0] = {}) {
  const pd = servePd({ stores: 3 });
  cleanups.push(() => pd.stop());
  const { kube, writes } = recordingKube(kubeOpts);
  const clock = new FakeClock();
  const deps = { kube, pdClients: new PdClientFactory({ resolver: pd.resolver }), clock };
  const state = legacyOnly({ pd: { ...pdReading([], []), url: TEST_PD_URL } });
  return { pd, deps, writes, state, evicting: new Map<string, number>() };
}

const scale: MigrationAction = {
  kind: 'scaleStatefulSet',
  component: 'tikv',
  name: 'basic-tikv',
  from: 3,
  to: 2,
  reason: 'Tombstone',
};

describe('carryOut', () => {
  test('lowers a StatefulSet with a PUT of the object read, only from the replicas the planner saw', async () => {
    const s = setup();
    expect(await carryOut(s.deps, s.state, scale, s.evicting)).toEqual({
      message: 'StatefulSet basic-tikv lowered to 2',
    });
    expect(s.writes).toEqual([
      {
        verb: 'replace',
        kind: 'StatefulSet',
        name: 'basic-tikv',
        body: expect.objectContaining({
          metadata: { name: 'basic-tikv', resourceVersion: '7' },
          spec: { replicas: 2, serviceName: 'x' },
        }),
      },
    ]);
    const moved = setup({ statefulSetReplicas: 2 });
    expect((await carryOut(moved.deps, moved.state, scale, moved.evicting)).message).toContain(
      'has 2 replicas now, not 3',
    );
    expect(moved.writes).toEqual([]);
    const raced = setup({ replaceFails: 'Conflict' });
    expect((await carryOut(raced.deps, raced.state, scale, raced.evicting)).message).toContain('changed meanwhile');
  });

  test('creating objects that exist already is done, not an error', async () => {
    const s = setup({ createFails: 'AlreadyExists' });
    const create: MigrationAction = {
      kind: 'create',
      objects: [{ apiVersion: 'core.tikv.org/v1alpha1', kind: 'Cluster', metadata: { name: 'basic' }, spec: {} }],
    };
    expect(await carryOut(s.deps, s.state, create, s.evicting)).toEqual({ message: 'already created' });
  });

  test('a store PD refuses to remove (too few stores) is retried later, not failed', async () => {
    const s = setup();
    const id = s.pd.model.stores()[0]?.id;
    const outcome = await carryOut(
      s.deps,
      s.state,
      { kind: 'deleteStore', storeId: String(id), address: 'a' },
      s.evicting,
    );
    expect(outcome.retryAfterMs).toBe(5_000);
    expect(outcome.message).toContain(`PD refuses to remove store ${id} for now`);
    expect(s.pd.model.stores().every((st) => st.state === 'Up')).toBe(true);
  });

  test('an eviction is timed from its first start; removing the scheduler forgets it', async () => {
    const s = setup();
    const id = String(s.pd.model.stores()[0]?.id);
    await s.deps.clock.advance(1_000);
    await carryOut(s.deps, s.state, { kind: 'evictLeaders', storeId: id, address: 'a' }, s.evicting);
    await s.deps.clock.advance(1_000);
    await carryOut(s.deps, s.state, { kind: 'evictLeaders', storeId: id, address: 'a' }, s.evicting);
    expect(s.evicting.get(id)).toBe(s.deps.clock.now() - 1_000);
    expect(s.pd.model.evictLeaderStores()).toEqual([Number(id)]);
    await carryOut(s.deps, s.state, { kind: 'removeEvictLeaderScheduler', storeId: id }, s.evicting);
    expect(s.evicting.has(id)).toBe(false);
    expect(s.pd.model.evictLeaderStores()).toEqual([]);
  });

  test('marks the TikvCluster converted with a merge patch of its status (the CRD has no status subresource)', async () => {
    const s = setup();
    const convertedTo = {
      apiVersion: 'core.tikv.org/v1alpha1',
      cluster: 'basic',
      pdGroup: 'basic-pdg',
      tikvGroup: 'basic-kvg',
    };
    await carryOut(s.deps, s.state, { kind: 'markConverted', convertedTo }, s.evicting);
    expect(s.writes).toEqual([
      {
        verb: 'patch',
        kind: 'TikvCluster',
        name: 'basic',
        body: { status: { converted: true, convertedAt: new Date(s.deps.clock.now()).toISOString(), convertedTo } },
      },
    ]);
  });
});
