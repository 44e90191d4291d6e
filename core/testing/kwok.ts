// Fake nodes managed by kwok, and the simulated kubelet failures tests can cause.
import { join } from 'node:path';
import type { KubeObject } from '../kube/object.ts';
import { type ApiClient, isConflict, isNotFound, waitFor } from './api.ts';

export const stagesPath = join(import.meta.dir, 'kwok-stages.yaml');
/** kwok manages the nodes carrying this annotation (and only those). */
export const managedNodeAnnotation = { key: 'kwok.x-k8s.io/node', value: 'fake' };
/** Marks a node whose simulated kubelet was stopped by stopKubelet(). */
export const kubeletAnnotation = 'sim.tikv.org/kubelet';
/** Pod annotations read by the kwok stages (see kwok-stages.yaml). */
export const podAnnotations = {
  /** "true": containers in CrashLoopBackOff, pod not Ready. */
  crash: 'sim.tikv.org/crash',
  /** "false": containers running but not ready, pod not Ready. */
  ready: 'sim.tikv.org/ready',
  /** A Go duration: the pod's process exits this long after deletion starts, instead of at the end of its grace. */
  terminateAfter: 'sim.tikv.org/terminate-after',
} as const;
/** kwok renews node Leases every duration/4; kube-controller-manager's default grace (50 s) tolerates late renewals. */
export const nodeLeaseDurationSeconds = 40;
const stoppedKubeletHolder = 'sim.tikv.org/kubelet-stopped';

export interface NodeObject extends KubeObject {
  spec?: { taints?: { key: string; effect: string }[]; [field: string]: unknown };
  status?: { conditions?: { type: string; status: string; reason?: string }[]; [field: string]: unknown };
}

export function nodeName(index: number): string {
  return `kwok-node-${index}`;
}

/** Nodes spread round-robin over the zones; each has its own InternalIP so pods show distinct hostIPs. */
export function fakeNodes(count: number, zones: readonly string[]): NodeObject[] {
  if (zones.length === 0) throw new Error('at least one zone is required');
  return Array.from({ length: count }, (_, i) => {
    const name = nodeName(i);
    const zone = zones[i % zones.length] ?? '';
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        annotations: { [managedNodeAnnotation.key]: managedNodeAnnotation.value, 'node.alpha.kubernetes.io/ttl': '0' },
        labels: {
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          'topology.kubernetes.io/zone': zone,
          'topology.kubernetes.io/region': 'local',
          type: 'kwok',
        },
      },
      spec: {},
      status: {
        addresses: [
          { type: 'InternalIP', address: `10.240.${Math.floor(i / 250)}.${(i % 250) + 1}` },
          { type: 'Hostname', address: name },
        ],
        allocatable: { cpu: '64', memory: '256Gi', pods: '110', 'ephemeral-storage': '1Ti' },
        capacity: { cpu: '64', memory: '256Gi', pods: '110', 'ephemeral-storage': '1Ti' },
      },
    };
  });
}

export function kwokArgs(opts: { kubeconfig: string; podCidr: string }): string[] {
  return [
    `--kubeconfig=${opts.kubeconfig}`,
    `--config=${stagesPath}`,
    '--manage-all-nodes=false',
    `--manage-nodes-with-annotation-selector=${managedNodeAnnotation.key}=${managedNodeAnnotation.value}`,
    `--cidr=${opts.podCidr}`,
    `--node-lease-duration-seconds=${nodeLeaseDurationSeconds}`,
  ];
}

export function isNodeReady(node: NodeObject): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

const nodePath = (name: string) => `/api/v1/nodes/${name}`;
const leasePath = (name: string) => `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${name}`;
const microTime = () => new Date().toISOString().replace('Z', '000Z');

/**
 * The node's kubelet stops: the node turns NotReady (Ready=Unknown) and its pods not Ready, then
 * kube-controller-manager taints it node.kubernetes.io/unreachable (NoSchedule + NoExecute; nothing is evicted,
 * the taint-eviction controller is off). The node and its pods are frozen until startKubelet(): kwok plays no stage
 * for them, so deleted pods stay Terminating, like on a real dead node.
 *
 * How: the harness takes the node's Lease away from kwok (kwok only acts for nodes whose Lease it holds), then writes
 * what kube-controller-manager would write after its grace period (node Ready=Unknown, pods Ready=False), so tests
 * need not wait 50 s for it.
 */
export async function stopKubelet(api: ApiClient, name: string): Promise<void> {
  // The annotation keeps kwok's node-ready stage from flipping the node back while kwok still holds the Lease.
  await api.patch(nodePath(name), { metadata: { annotations: { [kubeletAnnotation]: 'stopped' } } });
  await retryOnConflict(async () => {
    const lease = await api.find<KubeObject & { spec?: Record<string, unknown> }>(leasePath(name));
    const spec = { holderIdentity: stoppedKubeletHolder, leaseDurationSeconds: 86_400, renewTime: microTime() };
    if (lease) await api.replace(leasePath(name), { ...lease, spec: { ...lease.spec, ...spec } });
    else await api.create(leasePath(name).replace(/\/[^/]+$/, ''), { metadata: { name }, spec });
  });
  // kwok learns about the Lease through its watch; let it catch up before the status writes below, which it would
  // otherwise answer by playing pod stages once more.
  await Bun.sleep(1_000);
  const now = new Date().toISOString();
  await api.patch(
    `${nodePath(name)}/status`,
    {
      status: {
        conditions: [
          {
            type: 'Ready',
            status: 'Unknown',
            reason: 'NodeStatusUnknown',
            message: 'Kubelet stopped posting node status.',
            lastTransitionTime: now,
          },
        ],
      },
    },
    'strategic',
  );
  const pods = await api.get<{ items: KubeObject[] }>(
    `/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${name}`)}`,
  );
  for (const pod of pods.items) {
    const { namespace, name: podName } = pod.metadata;
    try {
      await api.patch(
        `/api/v1/namespaces/${namespace}/pods/${podName}/status`,
        { status: { conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: now }] } },
        'strategic',
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

/**
 * The node's kubelet is back: the node turns Ready, kube-controller-manager removes its taints, and kwok resumes
 * the node's pods (they become Ready again unless their sim annotations say otherwise).
 */
export async function startKubelet(api: ApiClient, name: string): Promise<void> {
  // A returning kubelet first posts its status. kube-controller-manager must see the node Ready (and drop its
  // taints) before kwok resumes the pods; otherwise it marks every pod update on a "NotReady" node not ready again.
  const now = new Date().toISOString();
  await api.patch(
    `${nodePath(name)}/status`,
    {
      status: {
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'KubeletReady',
            message: 'kubelet is posting ready status',
            lastHeartbeatTime: now,
            lastTransitionTime: now,
          },
        ],
      },
    },
    'strategic',
  );
  await api.patch(nodePath(name), { metadata: { annotations: { [kubeletAnnotation]: null } } });
  await waitFor(
    async () => {
      const node = await api.get<NodeObject>(nodePath(name));
      return !node.spec?.taints?.some((t) => t.key.startsWith('node.kubernetes.io/unreachable'));
    },
    { timeoutMs: 60_000, intervalMs: 200, what: `kube-controller-manager to untaint node ${name}` },
  );
  try {
    await api.delete(leasePath(name));
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  // kwok recreates the Lease at its next renewal and then replays the stages of the node's pods.
  await waitFor(
    async () => {
      const lease = await api.find<{ spec?: { holderIdentity?: string } }>(leasePath(name));
      return lease?.spec?.holderIdentity !== undefined && lease.spec.holderIdentity !== stoppedKubeletHolder;
    },
    { timeoutMs: 60_000, intervalMs: 200, what: `kwok to take the Lease of node ${name} again` },
  );
}

async function retryOnConflict(fn: () => Promise<void>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isConflict(err) || attempt >= 5) throw err;
    }
  }
}
