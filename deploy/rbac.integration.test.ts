// deploy/ against a real control plane: the manifests apply, the Deployment's Pods pass the restricted Pod Security
// level, and the operator, running with a token of its ServiceAccount (so with exactly deploy/'s RBAC), becomes
// the leader, reconciles the basic example and is never refused a request.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { tokens } from '../cmd/operator/container.ts';
import { parseRunOptions, type RunOptions } from '../cmd/operator/options.ts';
import { type RunningOperator, startOperator } from '../cmd/operator/run.ts';
import { controllerSetups } from '../cmd/plugins.ts';
import type { KubeObject } from '../core/kube/object.ts';
import { silentLogger } from '../core/observability/log.ts';
import type { OperatorMetrics } from '../core/observability/metrics.ts';
import { ApiClient, ApiError, waitFor } from '../core/testing/api.ts';
import { createTestNamespace, useControlPlane } from '../core/testing/fixtures.ts';
import { renderKubeconfig } from '../core/testing/kubeconfig.ts';
import { applyManifests } from './apply.ts';
import { deployDir, findManifest, type Manifest, readYamlDocuments, renderManifests } from './manifests.ts';

const fixture = useControlPlane({ nodes: 2 });
const NAMESPACE = 'tikv-operator-system';
const SERVICE_ACCOUNT = 'tikv-operator';
const objects = renderManifests();
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

  test('the ServiceAccount token is really limited: no Secrets, no Nodes', async () => {
    const { api } = await serviceAccountKubeconfig();
    expect(await statusOf(api.get('/api/v1/secrets'))).toBe(403);
    expect(await statusOf(api.get('/api/v1/nodes'))).toBe(403);
    expect(await statusOf(api.get(`/api/v1/namespaces/${NAMESPACE}/pods`))).toBe(200);
  });
});

describe('the operator with only the RBAC of deploy/', () => {
  let operator: RunningOperator | undefined;

  afterAll(async () => {
    await operator?.stop();
  });

  test(
    'leads, reconciles the basic example, and no request is refused',
    async () => {
      const { path } = await serviceAccountKubeconfig();
      const deployment = findManifest(objects, 'Deployment') as Manifest & {
        spec: { template: { spec: { containers: { args: string[] }[] } } };
      };
      // The Deployment's own flags, with the HTTP endpoint moved to a free loopback port.
      const args = (deployment.spec.template.spec.containers[0]?.args ?? [])
        .slice(1)
        .filter((a) => !a.startsWith('--http-address'));
      const options = parseRunOptions([...args, `--kubeconfig=${path}`, '--http-address=127.0.0.1:0']) as RunOptions;
      operator = startOperator(options, controllerSetups, { logger: silentLogger() });
      const running = operator;
      const metrics = running.container.resolve<OperatorMetrics>(tokens.metrics);
      const refused = async () =>
        (await metrics.apiRequestCounts()).filter((c) => c.code === '403' || c.code === '401');
      await running.started;
      // A refused request usually shows as a stuck election or sync, so stop waiting as soon as one is counted.
      await waitFor(
        async () =>
          (await refused()).length > 0 ||
          (running.manager.isLeader() && (await fetch(`${running.url}readyz`)).status === 200),
        { timeoutMs: 60_000, what: 'the operator to lead and be ready' },
      );
      expect(await refused()).toEqual([]);
      const lease = await fixture.cp.api.get<{ spec: { holderIdentity?: string } }>(
        `/apis/coordination.k8s.io/v1/namespaces/${NAMESPACE}/leases/tikv-operator`,
      );
      expect(lease.spec.holderIdentity).toBeTruthy();

      if (controllerSetups.length > 0) {
        // The controllers are wired: give them work that touches every resource of the ClusterRole.
        const ns = await createTestNamespace(fixture.cp, 'rbac');
        const example = ['cluster.yaml', 'pd-group.yaml', 'tikv-group.yaml'].flatMap((f) =>
          readYamlDocuments(join(deployDir, '../examples/basic', f)).map((o) => ({
            ...o,
            metadata: { ...o.metadata, namespace: ns },
          })),
        );
        await applyManifests(fixture.cp.api, example);
        await waitFor(
          async () => {
            const pods = await fixture.cp.api.get<{ items: PodObject[] }>(`/api/v1/namespaces/${ns}/pods`);
            return pods.items.length > 0;
          },
          { timeoutMs: 60_000, what: 'the operator to create the first Pods of the basic example' },
        );
      }

      expect(await refused()).toEqual([]);
      const counts = await metrics.apiRequestCounts();
      // The run did talk to the apiserver (the Lease at least), so "no 403" is not vacuous.
      expect(counts.some((c) => c.resource === 'Lease' && c.code.startsWith('2'))).toBe(true);
    },
    { timeout: 120_000 },
  );
});
