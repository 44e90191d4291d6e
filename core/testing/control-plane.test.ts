// Integration tests of the local control plane: one control plane for this file, one namespace per test.
import { describe, expect, test } from 'bun:test';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { KubeObject } from '../kube/object.ts';
import { isNotFound, waitFor } from './api.ts';
import { createTestNamespace, useControlPlane } from './fixtures.ts';
import { type NodeObject, podAnnotations } from './kwok.ts';
import { type Condition, condition, isTrue } from './objects.ts';
import type { PersistentVolume, PersistentVolumeClaim } from './provisioner.ts';

// The project's CRDs are tested where they are generated; this file tests the harness alone.
const fixture = useControlPlane({ nodes: 3, zones: ['zone-a', 'zone-b', 'zone-c'], crdDir: false });
const slow = { timeout: 120_000 };

interface Pod extends KubeObject {
  spec: { nodeName?: string; [field: string]: unknown };
  status?: {
    phase?: string;
    podIP?: string;
    conditions?: Pick<Condition, 'type' | 'status'>[];
    containerStatuses?: {
      name: string;
      ready: boolean;
      restartCount: number;
      state: { running?: unknown; waiting?: { reason?: string } };
    }[];
  };
}

function podManifest(
  name: string,
  opts: { spec?: Record<string, unknown>; metadata?: Partial<KubeObject['metadata']> },
) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, ...opts.metadata },
    spec: { containers: [{ name: 'main', image: 'example.org/app:v1' }], ...opts.spec },
  };
}

const podPath = (ns: string, name = '') => `/api/v1/namespaces/${ns}/pods${name ? `/${name}` : ''}`;
const isReady = (pod: Pod | undefined) => isTrue(pod, 'Ready');

async function waitForPod(ns: string, name: string, what: string, predicate: (pod: Pod) => boolean): Promise<Pod> {
  const { api } = fixture.cp;
  return waitFor(
    async () => {
      const pod = await api.get<Pod>(podPath(ns, name));
      return predicate(pod) ? pod : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 200, what: `pod ${ns}/${name} ${what}` },
  );
}

async function waitForGone(path: string, what: string): Promise<void> {
  const { api } = fixture.cp;
  await waitFor(async () => (await api.find(path)) === undefined, { timeoutMs: 60_000, intervalMs: 200, what });
}

async function setAnnotation(ns: string, pod: string, key: string, value: string | null): Promise<void> {
  await fixture.cp.api.patch(podPath(ns, pod), { metadata: { annotations: { [key]: value } } });
}

describe('local control plane', () => {
  test('serves the Kubernetes version the binaries were built from', async () => {
    const version = await fixture.cp.api.get<{ gitVersion: string }>('/version');
    expect(version.gitVersion).toBe('v1.33.13');
  });

  test('the client-certificate kubeconfig authenticates as admin in system:masters', async () => {
    const { cp } = fixture;
    const config = parse(await Bun.file(cp.clientCertKubeconfigPath).text());
    const user = config.users[0].user;
    const decode = (b64: string) => Buffer.from(b64, 'base64').toString();
    const res = await fetch(`${cp.server}/apis/authentication.k8s.io/v1/selfsubjectreviews`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }),
      tls: {
        ca: decode(config.clusters[0].cluster['certificate-authority-data']),
        cert: decode(user['client-certificate-data']),
        key: decode(user['client-key-data']),
      },
    });
    expect(res.status).toBe(201);
    const review = (await res.json()) as { status: { userInfo: { username: string; groups: string[] } } };
    expect(review.status.userInfo.username).toBe('admin');
    expect(review.status.userInfo.groups).toContain('system:masters');
  });

  test.skipIf(!Bun.which('kubectl'))('kubectl works with the token kubeconfig', async () => {
    const proc = Bun.spawn(['kubectl', '--kubeconfig', fixture.cp.kubeconfigPath, 'get', 'nodes', '-o', 'name'], {
      stdout: 'pipe',
      stderr: 'pipe',
    });
    const [code, out] = await Promise.all([proc.exited, new Response(proc.stdout).text()]);
    expect(code).toBe(0);
    expect(out.trim().split('\n')).toEqual(fixture.cp.nodeNames.map((n) => `node/${n}`));
  });

  test(
    'a pod with a PVC of the standard class is bound, scheduled on a zoned fake node, Running and Ready',
    async () => {
      const { cp } = fixture;
      const ns = await createTestNamespace(cp, 'volume');
      await cp.api.create(`/api/v1/namespaces/${ns}/persistentvolumeclaims`, {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'data' },
        spec: {
          storageClassName: cp.storageClassName,
          accessModes: ['ReadWriteOnce'],
          resources: { requests: { storage: '1Gi' } },
        },
      });
      await cp.api.create(
        podPath(ns),
        podManifest('app', {
          spec: {
            volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
            readinessGates: [{ conditionType: 'example.org/gate' }],
          },
        }),
      );

      const pod = await waitForPod(ns, 'app', 'Running and Ready', (p) => p.status?.phase === 'Running' && isReady(p));
      expect(pod.status?.podIP).toMatch(/^10\.244\./);
      expect(condition(pod, 'example.org/gate')?.status).toBe('True');
      const node = await cp.api.get<NodeObject>(`/api/v1/nodes/${pod.spec.nodeName}`);
      expect(cp.zones).toContain(node.metadata.labels?.['topology.kubernetes.io/zone'] ?? '');

      const pvc = await cp.api.get<PersistentVolumeClaim>(`/api/v1/namespaces/${ns}/persistentvolumeclaims/data`);
      expect(pvc.status?.phase).toBe('Bound');
      const pv = await cp.api.get<PersistentVolume>(`/api/v1/persistentvolumes/${pvc.spec.volumeName}`);
      // The volume is pinned to the node the scheduler picked for the pod.
      expect(JSON.stringify(pv.spec.nodeAffinity)).toContain(`"${pod.spec.nodeName}"`);
    },
    slow,
  );

  test(
    'PVC expansion grows the volume and completes on the claim',
    async () => {
      const { cp } = fixture;
      const ns = await createTestNamespace(cp, 'expand');
      const pvcPath = `/api/v1/namespaces/${ns}/persistentvolumeclaims/data`;
      await cp.api.create(`/api/v1/namespaces/${ns}/persistentvolumeclaims`, {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'data' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      });
      await cp.api.create(
        podPath(ns),
        podManifest('app', { spec: { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }] } }),
      );
      await waitFor(async () => (await cp.api.get<PersistentVolumeClaim>(pvcPath)).status?.phase === 'Bound', {
        timeoutMs: 60_000,
        what: 'the claim (default class) to be bound',
      });

      await cp.api.patch(pvcPath, { spec: { resources: { requests: { storage: '3Gi' } } } });
      const pvc = await waitFor(
        async () => {
          const current = await cp.api.get<PersistentVolumeClaim>(pvcPath);
          return current.status?.capacity?.storage === '3Gi' ? current : undefined;
        },
        { timeoutMs: 60_000, what: 'the claim to report 3Gi' },
      );
      const pv = await cp.api.get<PersistentVolume>(`/api/v1/persistentvolumes/${pvc.spec.volumeName}`);
      expect(pv.spec.capacity?.storage).toBe('3Gi');
    },
    slow,
  );

  test(
    'a deleted pod with a finalizer stays Terminating until the finalizer is removed',
    async () => {
      const { cp } = fixture;
      const ns = await createTestNamespace(cp, 'finalizer');
      await cp.api.create(
        podPath(ns),
        podManifest('held', {
          metadata: { finalizers: ['example.org/hold'] },
          spec: { terminationGracePeriodSeconds: 0 },
        }),
      );
      await waitForPod(ns, 'held', 'Ready', isReady);

      await cp.api.delete(podPath(ns, 'held'));
      // The grace period is zero, so only the finalizer keeps it: its containers stop, the object stays.
      const stopped = await waitForPod(ns, 'held', 'stopped', (p) => p.status?.phase === 'Succeeded');
      expect(stopped.metadata.deletionTimestamp).toBeDefined();

      await cp.api.patch(podPath(ns, 'held'), { metadata: { finalizers: null } });
      await waitForGone(podPath(ns, 'held'), 'the pod to be removed once its finalizer is gone');
    },
    slow,
  );

  test(
    'a deleted pod is removed only after its grace period, unless its process exits earlier',
    async () => {
      const { cp } = fixture;
      const ns = await createTestNamespace(cp, 'grace');
      await cp.api.create(podPath(ns), podManifest('slow', { spec: { terminationGracePeriodSeconds: 15 } }));
      await cp.api.create(
        podPath(ns),
        podManifest('quick', {
          metadata: { annotations: { [podAnnotations.terminateAfter]: '0s' } },
          spec: { terminationGracePeriodSeconds: 3600 },
        }),
      );
      await waitForPod(ns, 'slow', 'Ready', isReady);
      await waitForPod(ns, 'quick', 'Ready', isReady);

      await cp.api.delete(podPath(ns, 'slow'));
      await cp.api.delete(podPath(ns, 'quick'));
      // An hour of grace, but the simulated process exits at once; meanwhile the other one still waits out its grace.
      await waitForGone(podPath(ns, 'quick'), 'the pod whose process exits at once to be removed');
      const terminating = await cp.api.get<Pod>(podPath(ns, 'slow'));
      expect(terminating.metadata.deletionTimestamp).toBeDefined();
      expect(terminating.metadata.deletionGracePeriodSeconds).toBe(15);
      await waitForGone(podPath(ns, 'slow'), 'the pod to be removed after its grace period');
    },
    slow,
  );

  test(
    'garbage collection deletes an object whose owner was deleted',
    async () => {
      const { cp } = fixture;
      const ns = await createTestNamespace(cp, 'gc');
      const cmPath = `/api/v1/namespaces/${ns}/configmaps`;
      const owner = await cp.api.create<KubeObject>(cmPath, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'owner' },
      });
      await cp.api.create(cmPath, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: 'dependent',
          ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid }],
        },
      });
      await cp.api.delete(`${cmPath}/owner`);
      await waitForGone(`${cmPath}/dependent`, 'the garbage collector to delete the dependent');
    },
    slow,
  );

  test(
    'a pod becomes unready, crashes and becomes ready again through its sim annotations',
    async () => {
      const { cp } = fixture;
      const ns = await createTestNamespace(cp, 'readiness');
      await cp.api.create(podPath(ns), podManifest('app', {}));
      await waitForPod(ns, 'app', 'Ready', isReady);

      await setAnnotation(ns, 'app', podAnnotations.ready, 'false');
      const unready = await waitForPod(ns, 'app', 'not Ready', (p) => !isReady(p));
      expect(unready.status?.phase).toBe('Running');
      expect(unready.status?.containerStatuses?.[0]?.ready).toBe(false);
      expect(unready.status?.containerStatuses?.[0]?.state.running).toBeDefined();

      await setAnnotation(ns, 'app', podAnnotations.ready, null);
      await waitForPod(ns, 'app', 'Ready again', isReady);

      await setAnnotation(ns, 'app', podAnnotations.crash, 'true');
      const crashed = await waitForPod(ns, 'app', 'crashing', (p) => !isReady(p));
      expect(crashed.status?.containerStatuses?.[0]?.state.waiting?.reason).toBe('CrashLoopBackOff');
      expect(crashed.status?.containerStatuses?.[0]?.restartCount).toBe(1);

      await setAnnotation(ns, 'app', podAnnotations.crash, null);
      const recovered = await waitForPod(ns, 'app', 'Ready after the crash', isReady);
      expect(recovered.status?.containerStatuses?.[0]?.restartCount).toBe(1);
    },
    slow,
  );

  test(
    'a node whose kubelet stops turns NotReady with its pods, and recovers when the kubelet starts',
    async () => {
      const { cp } = fixture;
      const ns = await createTestNamespace(cp, 'node');
      const nodeName = cp.nodeNames[2] ?? '';
      const nodePath = `/api/v1/nodes/${nodeName}`;
      await cp.api.create(podPath(ns), podManifest('app', { spec: { nodeName } }));
      await waitForPod(ns, 'app', 'Ready', isReady);

      await cp.stopKubelet(nodeName);
      expect(condition(await cp.api.get<NodeObject>(nodePath), 'Ready')?.status).toBe('Unknown');
      await waitForPod(ns, 'app', 'not Ready', (p) => !isReady(p));
      await waitFor(
        async () =>
          (await cp.api.get<NodeObject>(nodePath)).spec?.taints?.some(
            (t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute',
          ),
        { timeoutMs: 60_000, what: 'kube-controller-manager to taint the node unreachable' },
      );
      // Frozen like a dead kubelet: the stages no longer act on its pods (the taint evicts nothing).
      await setAnnotation(ns, 'app', 'example.org/touched', 'yes');
      expect(isReady(await cp.api.get<Pod>(podPath(ns, 'app')))).toBe(false);

      await cp.startKubelet(nodeName);
      await waitForPod(ns, 'app', 'Ready after the kubelet started', isReady);
      const node = await cp.api.get<NodeObject>(nodePath);
      expect(condition(node, 'Ready')?.status).toBe('True');
      expect(node.spec?.taints ?? []).toEqual([]);
    },
    slow,
  );

  test(
    'CRDs from a directory are installed, Established and served',
    async () => {
      const { cp } = fixture;
      const dir = await mkdtemp(join(tmpdir(), 'crds-'));
      try {
        await writeFile(
          join(dir, 'widgets.yaml'),
          `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.org
spec:
  group: example.org
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, properties: {size: {type: integer}}}
`,
        );
        expect(await cp.installCrds(dir)).toEqual(['widgets.example.org']);
        const ns = await createTestNamespace(cp, 'crd');
        const widget = await cp.api.create<KubeObject & { spec: { size: number } }>(
          `/apis/example.org/v1/namespaces/${ns}/widgets`,
          { apiVersion: 'example.org/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 3 } },
        );
        expect(widget.spec.size).toBe(3);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    slow,
  );

  test('the harness client reports a missing object as not found', async () => {
    const err = await fixture.cp.api.get('/api/v1/namespaces/default/pods/missing').catch((e: unknown) => e);
    expect(isNotFound(err)).toBe(true);
  });
});
