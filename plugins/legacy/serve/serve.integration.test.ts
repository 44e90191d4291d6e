// The legacy TikvCluster API served by the real composition root (startOperator with the binary's legacyApiSetup,
// feature gate on) against the local control plane: without the legacy CRD the operator starts and says why
// nothing is served; once the CRD is installed a TikvCluster reports converted: false, then converted with
// convertedTo and an event once its Cluster, PDGroup and TiKVGroup exist, nothing more at steady state, and
// converted: false again when the Cluster goes. The only writes are the TikvCluster's status and the event.
import { afterAll, expect, test } from 'bun:test';
import { spawnSync } from 'node:child_process';
import { tokens } from '../../../cmd/operator/container.ts';
import { parseRunOptions, type RunOptions } from '../../../cmd/operator/options.ts';
import { type RunningOperator, startOperator } from '../../../cmd/operator/run.ts';
import { legacyApiSetup } from '../../../cmd/plugins.ts';
import { API_GROUP_VERSION } from '../../../core/api/api-version.ts';
import type { KubeObject } from '../../../core/kube/object.ts';
import { createLogger } from '../../../core/observability/log.ts';
import type { OperatorMetrics } from '../../../core/observability/metrics.ts';
import type { Controller } from '../../../core/runtime/controller.ts';
import { waitFor } from '../../../core/testing/api.ts';
import { createTestNamespace, useControlPlane } from '../../../core/testing/fixtures.ts';
import { convertTikvCluster } from '../convert.ts';
import { installLegacyCrd, legacyPath, legacyTikvCluster } from '../e2e-support.ts';
import type { TikvClusterObject } from './tikv-clusters.ts';

const fixture = useControlPlane({ nodes: 1 });
const API = `/apis/${API_GROUP_VERSION}`;
const logLines: string[] = [];
let operator: RunningOperator | undefined;
let ns: string;

afterAll(async () => {
  await operator?.stop();
});

type TikvCluster = TikvClusterObject & { spec: Record<string, unknown> };

const logged = (text: string) => logLines.some((line) => line.includes(text));
const tikvCluster = () => fixture.cp.api.get<TikvCluster>(legacyPath(ns, 'basic'));

/** The TikvCluster once its status.converted is `value`. */
function convertedBecomes(value: boolean, what: string): Promise<TikvCluster> {
  return waitFor(
    async () => {
      const tc = await tikvCluster();
      return tc.status?.converted === value ? tc : undefined;
    },
    { timeoutMs: 30_000, what },
  );
}

/** Reconciles of the legacy controller so far, from /metrics. */
async function reconciles(): Promise<number> {
  const text = await (await fetch(`${operator?.url}metrics`)).text();
  return [...text.matchAll(/^tikv_operator_reconcile_total\{controller="tikvcluster",[^}]*\} (\d+)$/gm)].reduce(
    (sum, m) => sum + Number(m[1]),
    0,
  );
}

/** Waits until the controller has reconciled again after `before` (an event it reacts to was made). */
async function reconciledAfter(before: number, what: string): Promise<void> {
  await waitFor(async () => (await reconciles()) > before, { timeoutMs: 30_000, what });
}

async function writes(): Promise<string[]> {
  const counts = await operator?.container.resolve<OperatorMetrics>(tokens.metrics).apiRequestCounts();
  return (counts ?? []).filter((c) => !['list', 'watch', 'get'].includes(c.verb)).map((c) => `${c.verb} ${c.resource}`);
}

test(
  'with the gate on and no legacy CRD the operator starts and logs why; once the CRD is installed it serves',
  async () => {
    const { cp } = fixture;
    ns = await createTestNamespace(cp, 'legacy-serve');
    const options = parseRunOptions([
      `--kubeconfig=${cp.kubeconfigPath}`,
      '--leader-elect=false',
      `--namespace=${ns}`,
      '--http-address=127.0.0.1:0',
      '--feature-gates=LegacyTikvClusterAPI=true',
    ]) as RunOptions;
    let built: Controller | undefined;
    operator = startOperator(options, [legacyApiSetup({ recheckMs: 200 }, (c) => (built = c))], {
      logger: createLogger({ level: 'info', sink: (line) => logLines.push(line) }),
    });
    // The missing CRD holds back neither the caches nor readiness.
    await operator.started;
    expect(built?.name).toBe('tikvcluster');
    expect((await fetch(`${operator.url}readyz`)).status).toBe(200);
    await waitFor(async () => logged('the TikvCluster CRD (tikvclusters.tikv.org) is not installed'), {
      timeoutMs: 30_000,
      what: 'the log line saying the legacy CRD is missing',
    });
    const line = JSON.parse(logLines.find((l) => l.includes('is not installed')) ?? '{}');
    expect(line).toMatchObject({ level: 'error', controller: 'tikvcluster' });
    expect(line.msg).toContain('kubectl apply --server-side -f crds/legacy/tikv.org_tikvclusters.yaml');

    await installLegacyCrd(cp);
    await waitFor(async () => logged('serving the legacy TikvCluster API'), {
      timeoutMs: 30_000,
      what: 'the operator to notice the legacy CRD',
    });
    // Said once, not once per check.
    expect(logLines.filter((l) => l.includes('is not installed'))).toHaveLength(1);
  },
  { timeout: 90_000 },
);

test(
  'a TikvCluster reports its conversion: false, then the Cluster, PDGroup and TiKVGroup converted from it, then false again',
  async () => {
    const { api } = fixture.cp;
    const created = await api.create<TikvCluster>(
      legacyPath(ns),
      legacyTikvCluster({ name: 'basic', namespace: ns, pd: 3, tikv: 3 }),
    );
    const notConverted = await convertedBecomes(
      false,
      'status.converted: false on a TikvCluster nothing was converted from',
    );
    expect(notConverted.status).toEqual({ converted: false });

    const conversion = convertTikvCluster(created);
    const createNew = async (obj: KubeObject & { kind: string }, plural: string) => {
      const before = await reconciles();
      await api.create(`${API}/namespaces/${ns}/${plural}`, obj);
      await reconciledAfter(before, `a reconcile after ${obj.kind} ${obj.metadata.name} was created`);
    };
    // The Cluster and the PDGroup alone are not a conversion (migrate run creates the TiKVGroup last).
    await createNew(conversion.cluster, 'clusters');
    await createNew(conversion.pdGroup, 'pdgroups');
    expect((await tikvCluster()).status).toEqual({ converted: false });

    await createNew(conversion.tikvGroup, 'tikvgroups');
    const converted = await convertedBecomes(true, 'status.converted: true');
    expect(converted.status).toEqual({
      converted: true,
      convertedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      convertedTo: { apiVersion: API_GROUP_VERSION, cluster: 'basic', pdGroup: 'basic-pdg', tikvGroup: 'basic-kvg' },
    });
    expect(converted.spec).toEqual(created.spec);

    const event = await waitFor(
      async () => {
        const events = await api.get<{
          items: { reason: string; note: string; type: string; regarding: { kind: string; name: string } }[];
        }>(`/apis/events.k8s.io/v1/namespaces/${ns}/events`);
        return events.items.find((e) => e.regarding.kind === 'TikvCluster' && e.reason === 'Converted');
      },
      { timeoutMs: 30_000, what: 'the Converted event on the TikvCluster' },
    );
    expect(event).toMatchObject({
      type: 'Normal',
      regarding: { name: 'basic' },
      note: `converted to Cluster basic (PDGroup basic-pdg, TiKVGroup basic-kvg, ${API_GROUP_VERSION})`,
    });

    if (Bun.which('kubectl')) {
      const kubectl = (...args: string[]) =>
        spawnSync('kubectl', ['--kubeconfig', fixture.cp.kubeconfigPath, '-n', ns, 'get', 'tikvclusters', ...args], {
          encoding: 'utf8',
        }).stdout;
      const [header = '', row = ''] = kubectl('-o', 'wide').split('\n');
      // Columns are aligned, empty cells are blank: read each cell below its header.
      const cell = (column: string) => {
        const from = header.indexOf(column);
        const to = header.slice(from + column.length).search(/\S/);
        return row.slice(from, to < 0 ? undefined : from + column.length + to).trim();
      };
      expect(cell('CONVERTED')).toBe('true');
      expect(cell('CLUSTER')).toBe('basic');
    }

    // Steady state: a change the controller reacts to (a label on the Cluster) writes nothing, and convertedAt
    // stays the first one.
    const writesBefore = await writes();
    const before = await reconciles();
    await api.patch(`${API}/namespaces/${ns}/clusters/basic`, { metadata: { labels: { touched: 'yes' } } });
    await reconciledAfter(before, 'a reconcile after the Cluster was labelled');
    const steady = await tikvCluster();
    expect(steady.metadata.resourceVersion).toBe(converted.metadata.resourceVersion);
    expect(await writes()).toEqual(writesBefore);

    // The Cluster goes (a rollback): no longer converted.
    await api.delete(`${API}/namespaces/${ns}/clusters/basic`);
    const rolledBack = await convertedBecomes(false, 'status.converted: false once the Cluster is deleted');
    expect(rolledBack.status).toEqual({ converted: false });
    expect(rolledBack.spec).toEqual(created.spec);

    // What it wrote: the TikvCluster (its status) and the event. No StatefulSet, no other object.
    expect([...new Set(await writes())].sort()).toEqual(['create Event', 'patch TikvCluster']);
  },
  { timeout: 120_000 },
);
