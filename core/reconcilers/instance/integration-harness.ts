// Test support for the instance controller's integration tests: the real operator pieces (RestKubeClient from
// the control plane's kubeconfig, shared informers, Manager, Event recorder, the instance controller of the
// sample plugin) in this process, plus small helpers over the harness's REST client.
import type { Cluster } from '../../api/cluster.ts';
import type { Condition } from '../../api/conditions.ts';
import { SharedInformerFactory } from '../../cache/factory.ts';
import { loadKubeConfig } from '../../kube/config.ts';
import type { KubeObject } from '../../kube/object.ts';
import { type RequestInfo, RestKubeClient } from '../../kube/rest-client.ts';
import { KubeEventRecorder } from '../../observability/events.ts';
import { createLogger, type Logger, silentLogger } from '../../observability/log.ts';
import { realClock } from '../../runtime/clock.ts';
import { Manager } from '../../runtime/manager.ts';
import { waitFor } from '../../testing/api.ts';
import type { ControlPlane } from '../../testing/control-plane.ts';
import { installCrds } from '../../testing/crds.ts';
import {
  SampleDataPlane,
  SamplePlugin,
  sampleCluster,
  sampleCrds,
  sampleInstance,
} from '../../testing/sample-plugin/index.ts';
import { setupInstanceController } from './controller.ts';

export interface InstanceOperator {
  plugin: SamplePlugin;
  dataPlane: SampleDataPlane;
  client: RestKubeClient;
  /** Every HTTP request the operator made (the harness's own client is separate). */
  requests: RequestInfo[];
  stop(): Promise<void>;
}

/** Starts the sample plugin's instance controller against the control plane (sample CRDs installed first). */
export async function startInstanceOperator(
  cp: ControlPlane,
  opts: { logger?: Logger } = {},
): Promise<InstanceOperator> {
  await installCrds(cp.api, sampleCrds());
  const logger =
    opts.logger ?? (process.env.TEST_OPERATOR_LOG ? createLogger({ level: 'debug', format: 'text' }) : silentLogger());
  const { kubeConfig } = loadKubeConfig({ path: cp.kubeconfigPath });
  const requests: RequestInfo[] = [];
  const client = new RestKubeClient(kubeConfig, { onRequest: (info) => requests.push(info) });
  const informers = new SharedInformerFactory(client, { clock: realClock });
  const manager = new Manager({ informerFactory: (kind, scope) => informers.informerFor(kind, scope), logger });
  const events = new KubeEventRecorder({ client, reportingInstance: 'instance-test', logger });
  const dataPlane = new SampleDataPlane();
  const plugin = new SamplePlugin({ dataPlane });
  setupInstanceController({ manager, plugin, plugins: [plugin], client, events, clock: realClock, logger });
  await manager.start();
  return {
    plugin,
    dataPlane,
    client,
    requests,
    async stop() {
      await manager.stop();
      await events.close();
    },
  };
}

const API = '/apis/core.tikv.org/v1alpha1';

export interface InstanceObjectJson extends KubeObject {
  spec: Record<string, unknown>;
  status?: { conditions?: Condition[] } & Record<string, unknown>;
}

export interface PodJson extends KubeObject {
  spec: Record<string, unknown> & {
    containers: { name: string; image: string; volumeMounts?: { name: string; mountPath: string }[] }[];
    volumes: Record<string, unknown>[];
  };
  status?: { phase?: string; conditions?: { type: string; status: string }[] };
}

/** REST paths and helpers for one test namespace. */
export function paths(ns: string) {
  return {
    clusters: `${API}/namespaces/${ns}/clusters`,
    cluster: (name: string) => `${API}/namespaces/${ns}/clusters/${name}`,
    samples: `${API}/namespaces/${ns}/samples`,
    sample: (name: string) => `${API}/namespaces/${ns}/samples/${name}`,
    pod: (name: string) => `/api/v1/namespaces/${ns}/pods/${name}`,
    configMap: (name: string) => `/api/v1/namespaces/${ns}/configmaps/${name}`,
    pvc: (name: string) => `/api/v1/namespaces/${ns}/persistentvolumeclaims/${name}`,
    pv: (name: string) => `/api/v1/persistentvolumes/${name}`,
    events: `/apis/events.k8s.io/v1/namespaces/${ns}/events`,
  };
}

export async function createCluster(cp: ControlPlane, ns: string, name = 'c', spec: Partial<Cluster['spec']> = {}) {
  return cp.api.create<Cluster>(paths(ns).clusters, sampleCluster(name, ns, spec));
}

export async function createSample(
  cp: ControlPlane,
  ns: string,
  name: string,
  spec: Record<string, unknown> = {},
  opts: { cluster?: string; group?: string; revision?: string } = {},
) {
  return cp.api.create<InstanceObjectJson>(
    paths(ns).samples,
    sampleInstance(name, ns, { cluster: opts.cluster ?? 'c', group: opts.group ?? 's', revision: opts.revision, spec }),
  );
}

export function condition(obj: InstanceObjectJson | undefined, type: string): Condition | undefined {
  return obj?.status?.conditions?.find((c) => c.type === type);
}

export function isPodReady(pod: PodJson | undefined): boolean {
  return (
    pod !== undefined &&
    pod.metadata.deletionTimestamp === undefined &&
    (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
  );
}

/** Waits until the instance is Ready=True for its current generation, and returns it. */
export function waitForReady(cp: ControlPlane, ns: string, name: string, timeoutMs = 60_000) {
  return waitFor(
    async () => {
      const obj = await cp.api.find<InstanceObjectJson>(paths(ns).sample(name));
      const ready = condition(obj, 'Ready');
      return ready?.status === 'True' && ready.observedGeneration === obj?.metadata.generation ? obj : undefined;
    },
    { timeoutMs, what: `instance ${ns}/${name} to be Ready` },
  );
}

/** Waits until the Pod exists, is Ready and satisfies `check`. */
export function waitForPod(
  cp: ControlPlane,
  ns: string,
  name: string,
  check: (pod: PodJson) => boolean = () => true,
  timeoutMs = 60_000,
) {
  return waitFor(
    async () => {
      const pod = await cp.api.find<PodJson>(paths(ns).pod(name));
      return pod && isPodReady(pod) && check(pod) ? pod : undefined;
    },
    { timeoutMs, what: `Pod ${ns}/${name} to be ready` },
  );
}

/** Requests that change something (everything but get, list and watch). */
export function writes(requests: readonly RequestInfo[]): RequestInfo[] {
  return requests.filter((r) => r.verb !== 'get' && r.verb !== 'list' && r.verb !== 'watch');
}
