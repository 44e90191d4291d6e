// The real composition root (startOperator: container, manager, HTTP server) running the generic reconcilers
// for a registry with the sample plugin: a Cluster and a SampleGroup become Ready, and the controllers report
// their reconciles on /metrics.
import { afterAll, expect, test } from 'bun:test';
import type { KubeObject } from '../../core/kube/object.ts';
import { silentLogger } from '../../core/observability/log.ts';
import { PluginRegistry } from '../../core/plugin/registry.ts';
import type { OperatorControllers } from '../../core/reconcilers/setup.ts';
import { waitFor } from '../../core/testing/api.ts';
import { freePorts } from '../../core/testing/control-plane.ts';
import { installCrds } from '../../core/testing/crds.ts';
import { createTestNamespace, useControlPlane } from '../../core/testing/fixtures.ts';
import {
  SampleDataPlane,
  SamplePlugin,
  sampleCluster,
  sampleCrds,
  sampleGroup,
} from '../../core/testing/sample-plugin/index.ts';
import { reconcilersSetup } from './controllers.ts';
import { parseRunOptions, type RunOptions } from './options.ts';
import { type RunningOperator, startOperator } from './run.ts';

const fixture = useControlPlane({ nodes: 1 });
const API = '/apis/core.tikv.org/v1alpha1';
let operator: RunningOperator | undefined;
afterAll(async () => {
  await operator?.stop();
});

interface Obj extends KubeObject {
  status?: { conditions?: { type: string; status: string }[]; components?: unknown };
}

test(
  'startOperator with a registry runs the cluster, group and instance controllers of its plugins',
  async () => {
    const { cp } = fixture;
    await installCrds(cp.api, sampleCrds());
    const ns = await createTestNamespace(cp, 'composition');
    const [port] = await freePorts(1);
    const options = parseRunOptions([
      `--kubeconfig=${cp.kubeconfigPath}`,
      '--leader-elect=false',
      `--namespace=${ns}`,
      `--http-address=127.0.0.1:${port}`,
    ]) as RunOptions;
    let built: OperatorControllers | undefined;
    const registry = new PluginRegistry([new SamplePlugin({ dataPlane: new SampleDataPlane() })]);
    operator = startOperator(options, [reconcilersSetup(registry, (c) => (built = c))], { logger: silentLogger() });
    await operator.started;
    expect(built?.cluster.name).toBe('cluster');
    expect([...(built?.groups.keys() ?? [])]).toEqual(['sample']);

    await cp.api.create(`${API}/namespaces/${ns}/clusters`, sampleCluster('c', ns));
    await cp.api.create(`${API}/namespaces/${ns}/samplegroups`, sampleGroup('g', ns, { cluster: 'c', replicas: 2 }));
    const cluster = await waitFor(
      async () => {
        const c = await cp.api.get<Obj>(`${API}/namespaces/${ns}/clusters/c`);
        return c.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') ? c : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 250, what: 'the Cluster to be Ready' },
    );
    expect(cluster.status?.components).toEqual([{ name: 'sample', replicas: 2, readyReplicas: 2 }]);

    const metrics = await (await fetch(`${operator.url}metrics`)).text();
    for (const controller of ['cluster', 'samplegroup', 'sample']) {
      expect(metrics).toMatch(new RegExp(`reconcile_total\\{[^}]*controller="${controller}"`));
    }
  },
  { timeout: 180_000 },
);
