// deploy/ against a real control plane: the manifests apply, the Deployment's Pods pass the restricted Pod Security
// level, and the operator, running with a token of its ServiceAccount (so with exactly deploy/'s RBAC), becomes
// the leader, reconciles the basic example and is never refused a request.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { type ControllerSetup, tokens } from '../cmd/operator/container.ts';
import { reconcilersSetup } from '../cmd/operator/controllers.ts';
import { parseRunOptions, type RunOptions } from '../cmd/operator/options.ts';
import { type RunningOperator, startOperator } from '../cmd/operator/run.ts';
import { controllerSetups, legacyApiSetup, operatorPlugins } from '../cmd/plugins.ts';
import { API_GROUP_VERSION } from '../core/api/api-version.ts';
import type { KubeObject } from '../core/kube/object.ts';
import { createLogger, type Logger, silentLogger } from '../core/observability/log.ts';
import type { ApiRequestCount, OperatorMetrics } from '../core/observability/metrics.ts';
import { ApiClient, ApiError, waitFor } from '../core/testing/api.ts';
import { installCrds } from '../core/testing/crds.ts';
import { createTestNamespace, useControlPlane } from '../core/testing/fixtures.ts';
import { renderKubeconfig } from '../core/testing/kubeconfig.ts';
import {
  SampleDataPlane,
  SamplePlugin,
  sampleCluster,
  sampleCrds,
  sampleGroup,
} from '../core/testing/sample-plugin/index.ts';
import { convertTikvCluster } from '../plugins/legacy/convert.ts';
import { installLegacyCrd, legacyPath, legacyTikvCluster } from '../plugins/legacy/e2e-support.ts';
import { applyManifests } from './apply.ts';
import { deployDir, findManifest, type Manifest, readYamlDocuments, renderManifests } from './manifests.ts';

const fixture = useControlPlane({ nodes: 2 });
const NAMESPACE = 'tikv-operator-system';
const SERVICE_ACCOUNT = 'tikv-operator';
const objects = renderManifests();
const rules = (
  findManifest(objects, 'ClusterRole', 'tikv-operator') as Manifest & {
    rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
  }
).rules;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tikv-operator-rbac-'));
  await applyManifests(fixture.cp.api, objects);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface PodObject extends KubeObject {
  status?: { phase?: string };
}

/** A kubeconfig authenticating as the operator's ServiceAccount, with the Pod's namespace as in-cluster. */
async function serviceAccountKubeconfig(): Promise<{ path: string; api: ApiClient }> {
  const request = await fixture.cp.api.create<{ status: { token: string } }>(
    `/api/v1/namespaces/${NAMESPACE}/serviceaccounts/${SERVICE_ACCOUNT}/token`,
    { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
  );
  const token = request.status.token;
  const config = parse(
    renderKubeconfig({ server: fixture.cp.server, caPem: fixture.cp.caPem, credentials: { token } }),
  );
  config.contexts[0].context.namespace = NAMESPACE;
  const path = join(dir, 'service-account.kubeconfig');
  await writeFile(path, stringify(config), { mode: 0o600 });
  return { path, api: new ApiClient({ server: fixture.cp.server, token, caPem: fixture.cp.caPem }) };
}

async function statusOf(request: Promise<unknown>): Promise<number> {
  try {
    await request;
    return 200;
  } catch (error) {
    if (error instanceof ApiError) return error.status;
    throw error;
  }
}

describe('deploy/ on a real control plane', () => {
  // beforeAll applied every object (server-side apply validates each against its schema).
  test('the Deployment Pods are admitted under the restricted Pod Security level and run', async () => {
    // The namespace enforces `restricted`; a Pod violating it would never be created by the ReplicaSet.
    const deployment = findManifest(objects, 'Deployment') as Manifest & { spec: { replicas: number } };
    const pods = await waitFor(
      async () => {
        const list = await fixture.cp.api.get<{ items: PodObject[] }>(
          `/api/v1/namespaces/${NAMESPACE}/pods?labelSelector=app.kubernetes.io/name%3Dtikv-operator`,
        );
        const running = list.items.filter((p) => p.status?.phase === 'Running');
        return running.length === deployment.spec.replicas ? running : undefined;
      },
      { timeoutMs: 60_000, what: 'the operator Deployment Pods to run' },
    );
    expect(pods).toHaveLength(deployment.spec.replicas);
  }, 90_000);

  test.skipIf(!Bun.which('kubectl'))('`kubectl apply --server-side -k deploy/` agrees (no change, no conflict)', () => {
    const result = spawnSync(
      'kubectl',
      ['--kubeconfig', fixture.cp.kubeconfigPath, 'apply', '--server-side', '-k', deployDir],
      { encoding: 'utf8' },
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('deployment.apps/tikv-operator serverside-applied');
  });

  test('the ServiceAccount token is really limited: no Secrets, Nodes read only', async () => {
    const { api } = await serviceAccountKubeconfig();
    expect(await statusOf(api.get('/api/v1/secrets'))).toBe(403);
    expect(await statusOf(api.get('/api/v1/nodes'))).toBe(200);
    expect(await statusOf(api.delete('/api/v1/nodes/kwok-node-0'))).toBe(403);
    expect(await statusOf(api.patch('/api/v1/nodes/kwok-node-0', { metadata: { labels: { x: 'y' } } }))).toBe(403);
    expect(await statusOf(api.get(`/api/v1/namespaces/${NAMESPACE}/pods`))).toBe(200);
  });
});

interface Condition {
  type: string;
  status: string;
}

interface ReconciledObject extends KubeObject {
  status?: { conditions?: Condition[]; observedGeneration?: number; replicas?: number };
}

const API = '/apis/core.tikv.org/v1alpha1';

function isTrue(obj: ReconciledObject | undefined, type: string): boolean {
  return obj?.status?.conditions?.some((c) => c.type === type && c.status === 'True') ?? false;
}

/** Starts the operator as the Deployment runs it (its flags) with the ServiceAccount's token, and waits until it
 * leads and is ready, or until a request was refused. */
async function startAsServiceAccount(
  setups: readonly ControllerSetup[],
  more: { args?: string[]; logger?: Logger } = {},
): Promise<{
  operator: RunningOperator;
  refused: () => Promise<ApiRequestCount[]>;
  counts: () => Promise<ApiRequestCount[]>;
}> {
  const { path } = await serviceAccountKubeconfig();
  const deployment = findManifest(objects, 'Deployment') as Manifest & {
    spec: { template: { spec: { containers: { args: string[] }[] } } };
  };
  // The Deployment's own flags, with the HTTP endpoint moved to a free loopback port.
  const args = (deployment.spec.template.spec.containers[0]?.args ?? [])
    .slice(1)
    .filter((a) => !a.startsWith('--http-address'));
  const options = parseRunOptions([
    ...args,
    ...(more.args ?? []),
    `--kubeconfig=${path}`,
    '--http-address=127.0.0.1:0',
  ]) as RunOptions;
  const operator = startOperator(options, setups, { logger: more.logger ?? silentLogger() });
  const metrics = operator.container.resolve<OperatorMetrics>(tokens.metrics);
  const counts = () => metrics.apiRequestCounts();
  const refused = async () => (await counts()).filter((c) => c.code === '403' || c.code === '401');
  try {
    await operator.started;
    // A refused request usually shows as a stuck election or sync, so stop waiting as soon as one is counted.
    await waitFor(
      async () =>
        (await refused()).length > 0 ||
        (operator.manager.isLeader() && (await fetch(`${operator.url}readyz`)).status === 200),
      { timeoutMs: 60_000, what: 'the operator to lead and be ready' },
    );
  } catch (error) {
    await operator.stop();
    throw error;
  }
  return { operator, refused, counts };
}

describe('the operator with only the RBAC of deploy/', () => {
  let operator: RunningOperator | undefined;

  afterEach(async () => {
    await operator?.stop();
    operator = undefined;
  });

  test(
    'as built by the composition root: leads, reconciles the basic example, and no request is refused',
    async () => {
      const started = await startAsServiceAccount(controllerSetups);
      operator = started.operator;
      expect(await started.refused()).toEqual([]);
      const lease = await fixture.cp.api.get<{ spec: { holderIdentity?: string } }>(
        `/apis/coordination.k8s.io/v1/namespaces/${NAMESPACE}/leases/tikv-operator`,
      );
      expect(lease.spec.holderIdentity).toBeTruthy();

      const ns = await createTestNamespace(fixture.cp, 'rbac-basic');
      const example = ['cluster.yaml', 'pd-group.yaml', 'tikv-group.yaml'].flatMap((f) =>
        readYamlDocuments(join(deployDir, '../examples/basic', f)).map((o) => ({
          ...o,
          metadata: { ...o.metadata, namespace: ns },
        })),
      );
      await applyManifests(fixture.cp.api, example);
      // The cluster controller always runs: it adds its finalizer and writes status.
      await waitFor(
        async () => {
          const cluster = await fixture.cp.api.get<ReconciledObject>(`${API}/namespaces/${ns}/clusters/basic`);
          return (cluster.metadata.finalizers?.includes('tikv.org/finalizer') && cluster.status?.conditions?.length) ||
            (await started.refused()).length > 0
            ? cluster
            : undefined;
        },
        { timeoutMs: 60_000, what: 'the operator to reconcile Cluster basic' },
      );

      expect(await started.refused()).toEqual([]);
      // The run did talk to the apiserver, so "nothing refused" is not vacuous.
      const counts = await started.counts();
      expect(counts.some((c) => c.resource === 'Lease' && c.code.startsWith('2'))).toBe(true);
      expect(counts.some((c) => c.resource === 'Cluster' && c.verb === 'patch' && c.code.startsWith('2'))).toBe(true);
    },
    { timeout: 120_000 },
  );

  test(
    'with the sample plugin: create, scale in, roll out and delete a cluster, and no request is refused',
    async () => {
      const { cp } = fixture;
      // The sample kinds are core.tikv.org kinds of the group and instance layers: they get exactly the rights
      // deploy/ gives PDGroup and PD, through an extra ClusterRole bound to the same ServiceAccount.
      const layerOf: Record<string, string> = { pdgroups: 'samplegroups', pds: 'samples' };
      const sampleRules = rules
        .filter((r) => r.resources.some((res) => layerOf[res.split('/')[0] as string]))
        .map((r) => ({
          ...r,
          resources: r.resources.flatMap((res) => {
            const [plural, sub] = res.split('/');
            const sample = layerOf[plural as string];
            return sample ? [sub ? `${sample}/${sub}` : sample] : [];
          }),
        }));
      expect(sampleRules.flatMap((r) => r.resources).sort()).toEqual([
        'samplegroups',
        'samplegroups/status',
        'samples',
        'samples/status',
      ]);
      await applyManifests(cp.api, [
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRole',
          metadata: { name: 'tikv-operator-sample-kinds' },
          rules: sampleRules,
        },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRoleBinding',
          metadata: { name: 'tikv-operator-sample-kinds' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'tikv-operator-sample-kinds' },
          subjects: [{ kind: 'ServiceAccount', name: SERVICE_ACCOUNT, namespace: NAMESPACE }],
        },
      ]);
      await installCrds(cp.api, sampleCrds());

      const registry = operatorPlugins();
      registry.register(new SamplePlugin({ dataPlane: new SampleDataPlane() }));
      const started = await startAsServiceAccount([reconcilersSetup(registry)]);
      operator = started.operator;
      const stopOnRefusal = async () => {
        if ((await started.refused()).length > 0) throw new Error(JSON.stringify(await started.refused()));
      };

      const ns = await createTestNamespace(cp, 'rbac-sample');
      await cp.api.create(`${API}/namespaces/${ns}/clusters`, sampleCluster('c', ns));
      await cp.api.create(`${API}/namespaces/${ns}/samplegroups`, sampleGroup('g', ns, { cluster: 'c', replicas: 3 }));
      const groupPath = `${API}/namespaces/${ns}/samplegroups/g`;
      const settled = (replicas: number, version: string) =>
        waitFor(
          async () => {
            await stopOnRefusal();
            const group = await cp.api.get<ReconciledObject & { status?: { version?: string } }>(groupPath);
            const instances = await cp.api.get<{ items: KubeObject[] }>(`${API}/namespaces/${ns}/samples`);
            return group.status?.observedGeneration === group.metadata.generation &&
              isTrue(group, 'Ready') &&
              group.status?.replicas === replicas &&
              group.status?.version === version &&
              instances.items.length === replicas
              ? group
              : undefined;
          },
          { timeoutMs: 120_000, intervalMs: 250, what: `group g settled at ${replicas} x ${version}` },
        );

      await settled(3, '1.0.0'); // instances, Pods, ConfigMaps, PVCs, PVs labelled, Service, revision, events
      await cp.api.patch(groupPath, { spec: { replicas: 2 } });
      await settled(2, '1.0.0'); // scale-in: instance, Pod, ConfigMap and PVC deleted
      await cp.api.patch(groupPath, { spec: { template: { spec: { version: '1.1.0' } } } });
      await settled(2, '1.1.0'); // rolling update: instances replaced, Pods recreated, a second revision
      await cp.api.delete(`${API}/namespaces/${ns}/clusters/c`);
      await waitFor(
        async () => {
          await stopOnRefusal();
          const [clusters, groups, pods] = await Promise.all([
            cp.api.get<{ items: unknown[] }>(`${API}/namespaces/${ns}/clusters`),
            cp.api.get<{ items: unknown[] }>(`${API}/namespaces/${ns}/samplegroups`),
            cp.api.get<{ items: unknown[] }>(`/api/v1/namespaces/${ns}/pods`),
          ]);
          return clusters.items.length + groups.items.length + pods.items.length === 0;
        },
        { timeoutMs: 120_000, intervalMs: 250, what: 'the cluster, its group and its Pods to be deleted' },
      );

      expect(await started.refused()).toEqual([]);
      const used = new Set((await started.counts()).map((c) => `${c.verb} ${c.resource}`));
      // Every kind of write the ClusterRole allows was exercised by this run, not just reads.
      for (const write of [
        'create Sample',
        'delete Sample',
        'create Pod',
        'delete Pod',
        'create ConfigMap',
        'create PersistentVolumeClaim',
        'create ControllerRevision',
        'apply Service',
        'create Event',
      ]) {
        expect(used).toContain(write);
      }
    },
    { timeout: 300_000 },
  );

  test(
    'with the legacy API gate: refused and said so without deploy/legacy-api/, then a TikvCluster is marked converted with it',
    async () => {
      const { cp } = fixture;
      await installLegacyCrd(cp);
      const ns = await createTestNamespace(cp, 'rbac-legacy');
      const tikvCluster = await cp.api.create<KubeObject>(
        legacyPath(ns),
        legacyTikvCluster({ name: 'basic', namespace: ns, pd: 1, tikv: 1 }),
      );
      const conversion = convertTikvCluster(tikvCluster);
      for (const [obj, plural] of [
        [conversion.cluster, 'clusters'],
        [conversion.pdGroup, 'pdgroups'],
        [conversion.tikvGroup, 'tikvgroups'],
      ] as const) {
        await cp.api.create(`${API}/namespaces/${ns}/${plural}`, obj);
      }

      const lines: string[] = [];
      const started = await startAsServiceAccount([legacyApiSetup({ recheckMs: 200 })], {
        args: ['--feature-gates=LegacyTikvClusterAPI=true'],
        logger: createLogger({ level: 'warn', sink: (line) => lines.push(line) }),
      });
      operator = started.operator;
      await waitFor(async () => lines.some((l) => l.includes('may not list tikvclusters.tikv.org')), {
        timeoutMs: 60_000,
        what: 'the operator to say it may not list TikvClusters',
      });

      await applyManifests(cp.api, renderManifests(join(deployDir, 'legacy-api')));
      const converted = await waitFor(
        async () => {
          const tc = await cp.api.get<KubeObject & { status?: { converted?: boolean; convertedTo?: unknown } }>(
            legacyPath(ns, 'basic'),
          );
          return tc.status?.converted ? tc : undefined;
        },
        { timeoutMs: 60_000, what: 'the TikvCluster to be marked converted' },
      );
      expect(converted.status?.convertedTo).toEqual({
        apiVersion: API_GROUP_VERSION,
        cluster: 'basic',
        pdGroup: 'basic-pdg',
        tikvGroup: 'basic-kvg',
      });
      await waitFor(async () => (await started.counts()).some((c) => c.verb === 'create' && c.resource === 'Event'), {
        timeoutMs: 30_000,
        what: 'the Converted event',
      });
      // The only refusals are the checks made before deploy/legacy-api/ was applied.
      const refused = await started.refused();
      expect(refused.map((c) => `${c.verb} ${c.resource} ${c.code}`)).toEqual(['list TikvCluster 403']);
      expect(
        (await started.counts()).filter((c) => c.code.startsWith('2')).map((c) => `${c.verb} ${c.resource}`),
      ).toContain('patch TikvCluster');
    },
    { timeout: 180_000 },
  );
});
