// Integration-test support: the real reconcilers (setupControllers on a Manager, the REST client, shared
// informers, the Event recorder) for a registry holding the sample plugin, against the local control plane, and
// recorders that watch what happens to a group's Pods so tests can assert the rollout limits at every moment.

import { SharedInformerFactory } from '../../cache/factory.ts';
import { loadKubeConfig } from '../../kube/config.ts';
import type { KubeObject } from '../../kube/object.ts';
import { RestKubeClient } from '../../kube/rest-client.ts';
import { KubeEventRecorder } from '../../observability/events.ts';
import { createLogger, type Logger, silentLogger } from '../../observability/log.ts';
import type { OperatorMetrics } from '../../observability/metrics.ts';
import type { AnyComponentPlugin } from '../../plugin/registry.ts';
import { PluginRegistry } from '../../plugin/registry.ts';
import { realClock } from '../../runtime/clock.ts';
import { Manager } from '../../runtime/manager.ts';
import type { ControlPlane } from '../../testing/control-plane.ts';
import { type OperatorControllers, setupControllers } from '../setup.ts';

export interface SampleOperator {
  manager: Manager;
  controllers: OperatorControllers;
  client: RestKubeClient;
  /** Every API request the operator made (not the harness's), in order. */
  requests: { verb: string; kind: string }[];
  /** Stops the controllers (in-flight reconciles finish), the informers and the event recorder. */
  stop(): Promise<void>;
}

/**
 * Starts the operator's reconcilers for `plugins` watching only `namespace`, and resolves once the caches are
 * synced and the controllers run. `TIKV_TEST_LOG=debug` shows the reconciles (task summaries) on stderr.
 */
export async function startSampleOperator(
  cp: ControlPlane,
  plugins: readonly AnyComponentPlugin[],
  namespace: string,
  opts: { lostNodeGracePeriodMs?: number; refusalRecheckMs?: number; metrics?: OperatorMetrics } = {},
): Promise<SampleOperator> {
  const level = process.env.TIKV_TEST_LOG;
  const logger: Logger =
    level === 'debug' || level === 'info' ? createLogger({ level, format: 'text' }) : silentLogger();
  const { kubeConfig } = loadKubeConfig({ path: cp.kubeconfigPath });
  const requests: SampleOperator['requests'] = [];
  const client = new RestKubeClient(kubeConfig, {
    onRequest: (info) => requests.push({ verb: info.verb, kind: info.kind }),
  });
  const informers = new SharedInformerFactory(client, { clock: realClock });
  const events = new KubeEventRecorder({ client, reportingInstance: 'test-operator', logger, clock: realClock });
  const manager = new Manager({
    informerFactory: (kind, scope) => informers.informerFor(kind, scope),
    clock: realClock,
    logger,
  });
  const controllers = setupControllers(manager, new PluginRegistry(plugins), {
    client,
    events,
    clock: realClock,
    logger,
    namespace,
    workers: 2,
    ...(opts.lostNodeGracePeriodMs !== undefined ? { lostNodeGracePeriodMs: opts.lostNodeGracePeriodMs } : {}),
    ...(opts.refusalRecheckMs !== undefined ? { refusalRecheckMs: opts.refusalRecheckMs } : {}),
    ...(opts.metrics ? { metrics: opts.metrics } : {}),
  });
  await manager.start();
  let stopping: Promise<void> | undefined;
  return {
    manager,
    controllers,
    client,
    requests,
    stop() {
      stopping ??= (async () => {
        await manager.stop();
        await events.close();
        client.close();
      })();
      return stopping;
    },
  };
}

interface PodState {
  uid: string;
  ready: boolean;
  deleting: boolean;
}

interface PodList {
  metadata: { resourceVersion: string };
  items: (KubeObject & { status?: { conditions?: { type: string; status: string }[] } })[];
}

/**
 * Watches the Pods of a namespace and records, after every event, how many of the `expected` instance names have
 * no Ready, non-terminating Pod. `maxUnavailable` is the worst moment seen; `uids` every Pod UID per name.
 */
export class PodAvailabilityRecorder {
  readonly pods = new Map<string, PodState>();
  readonly uids = new Map<string, Set<string>>();
  maxUnavailable = 0;
  /** The names that were unavailable together at the worst moment. */
  worst: string[] = [];
  private readonly abort = new AbortController();
  private done: Promise<void> | undefined;

  constructor(
    private readonly cp: ControlPlane,
    private readonly namespace: string,
    private expected: readonly string[],
  ) {}

  /** Lists the Pods and starts watching; resolves once the initial state is recorded. */
  async start(): Promise<void> {
    const path = `/api/v1/namespaces/${this.namespace}/pods`;
    const list = await this.cp.api.get<PodList>(path);
    for (const pod of list.items) this.apply(pod, false);
    this.measure();
    this.done = this.cp.api
      .watch<PodList['items'][number]>(
        path,
        list.metadata.resourceVersion,
        (event) => {
          if (event.type === 'ADDED' || event.type === 'MODIFIED') this.apply(event.object, false);
          else if (event.type === 'DELETED') this.apply(event.object, true);
          else return;
          this.measure();
        },
        this.abort.signal,
      )
      .catch(() => undefined);
  }

  /** Forgets the worst moment so far: measuring starts again from the current state. */
  reset(): void {
    this.maxUnavailable = 0;
    this.worst = [];
    this.measure();
  }

  /** Changes the instance names that count (before a scale change). */
  expect(names: readonly string[]): void {
    this.expected = names;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.done;
  }

  private apply(pod: PodList['items'][number], deleted: boolean): void {
    const name = pod.metadata.name;
    if (deleted) {
      if (this.pods.get(name)?.uid === pod.metadata.uid) this.pods.delete(name);
      return;
    }
    const uid = pod.metadata.uid ?? '';
    this.pods.set(name, {
      uid,
      ready: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
      deleting: pod.metadata.deletionTimestamp !== undefined,
    });
    let uids = this.uids.get(name);
    if (!uids) {
      uids = new Set();
      this.uids.set(name, uids);
    }
    uids.add(uid);
  }

  private measure(): void {
    const down = this.expected.filter((name) => {
      const pod = this.pods.get(name);
      return pod === undefined || !pod.ready || pod.deleting;
    });
    if (down.length > this.maxUnavailable) {
      this.maxUnavailable = down.length;
      this.worst = down;
    }
  }
}
