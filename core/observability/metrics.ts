// Prometheus metrics of one operator process, in a Registry it owns (never prom-client's global default
// registry: two managers in one test process must not share or collide on counters).
//
// The runtime (queue, controllers, leader elector, kube client, informers) does not import prom-client: it
// calls small observer objects with plain-TS signatures, and this module makes those observers. Names:
//   - work queue and leader election metrics mirror client-go's, so existing dashboards and alerts apply:
//     workqueue_depth, workqueue_adds_total, workqueue_queue_duration_seconds, workqueue_work_duration_seconds,
//     workqueue_retries_total, workqueue_unfinished_work_seconds, workqueue_longest_running_processor_seconds
//     (label `name`), leader_election_master_status (label `name`, the lease);
//   - the operator's own metrics carry the prefix (default `tikv_operator_`): reconcile_total{controller,result},
//     reconcile_errors_total{controller}, reconcile_duration_seconds{controller},
//     api_requests_total{verb,resource,code}, api_request_duration_seconds{verb,resource},
//     informer_events_total{resource,type}, informer_relists_total{resource},
//     informer_watch_restarts_total{resource},
//     unhealthy_instances{namespace,group,component,reason} (instances whose Healthy condition is not True, by
//     its reason), failed_over_instances{namespace,group,component} (failed instances kept with a replacement).
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export type ReconcileResult = 'success' | 'requeue' | 'error';

/** Made per controller by `reconcileObserver(controller)`; the controller calls it once per reconcile. */
export interface ReconcileObserver {
  /**
   * `success`: done, nothing to retry; `requeue`: the reconciler asked to run again (after a delay or a
   * wait condition); `error`: it threw or returned an error (also counted in reconcile_errors_total).
   */
  reconciled(result: ReconcileResult, durationSeconds: number): void;
}

/** Made per queue by `queueObserver(name)`; semantics follow client-go's workqueue MetricsProvider. */
export interface QueueObserver {
  /** A key became queued (not when it was already waiting: that add is a no-op in the queue too). */
  added(): void;
  /** The number of keys waiting (not counting keys being processed); call after every change. */
  depth(keysWaiting: number): void;
  /** A worker took a key that had waited this long since it became queued. */
  dequeued(waitedSeconds: number): void;
  /** A worker finished a key it had held this long (get to done). */
  processed(workSeconds: number): void;
  /** A key was re-added through the rate limiter (a retry with backoff). */
  retried(): void;
  /**
   * Optional, polled by the queue (client-go does it every 500 ms): the summed age of all in-flight work
   * and the age of the oldest, in seconds. A stuck worker shows up here long before it finishes.
   */
  inFlight(unfinishedSeconds: number, longestRunningSeconds: number): void;
}

/** Made per lease by `leaderElectionObserver(lease)`. */
export interface LeaderElectionObserver {
  /** Call on every transition: true when this process becomes leader, false when it stops being leader. */
  leading(isLeader: boolean): void;
}

/** One finished apiserver request, as the kube client reports it through its `onRequest` hook. */
export interface ApiRequest {
  /** get, list, watch, create, update, patch, apply, delete, ... */
  verb: string;
  /** The kind, as a name (`Pod`) or a ResourceKind-like object; recorded as the `resource` label. */
  kind: string | { kind: string };
  /** HTTP status code, or a short string when no response came (client-go uses `<error>`). */
  code: number | string;
  durationSeconds: number;
}

export type ApiRequestObserver = (request: ApiRequest) => void;

/** A group, as the health gauges label it. */
export interface GroupRef {
  namespace: string;
  group: string;
  component: string;
}

/** Made once by `groupHealthObserver()`; the group reconciler reports after each reconcile. */
export interface GroupHealthObserver {
  /**
   * The group's unhealthy instances by Healthy reason (reasons not listed are 0) and its failed-over instances.
   */
  report(group: GroupRef, unhealthyByReason: Readonly<Record<string, number>>, failedOver: number): void;
  /** The group is gone: its series go too. */
  forget(group: GroupRef): void;
}

export type InformerEventType = 'add' | 'update' | 'delete';

/** Made per informer by `informerObserver(resource)`. */
export interface InformerObserver {
  /** An event delivered to handlers. */
  event(type: InformerEventType): void;
  /** A full list replaced the cache (first sync, 410 Gone, periodic relist). */
  relisted(): void;
  /** A watch stream ended other than by stop() and was started again. */
  watchRestarted(): void;
}

export interface ApiRequestCount {
  verb: string;
  resource: string;
  code: string;
  count: number;
}

export interface OperatorMetricsOptions {
  /** Prefix of the operator's own metrics (not the client-go-named ones). Default `tikv_operator_`. */
  prefix?: string;
  /** Process and runtime metrics (CPU, memory, event loop lag, GC). Default true. */
  defaultMetrics?: boolean;
}

/** client-go's workqueue buckets: 10 ns to 10 s, factor 10. */
const queueBuckets = Array.from({ length: 10 }, (_, i) => 1e-8 * 10 ** i);
const reconcileBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const apiBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class OperatorMetrics {
  readonly registry = new Registry();

  private readonly reconcileTotal: Counter<'controller' | 'result'>;
  private readonly reconcileErrors: Counter<'controller'>;
  private readonly reconcileDuration: Histogram<'controller'>;
  private readonly queueDepth: Gauge<'name'>;
  private readonly queueAdds: Counter<'name'>;
  private readonly queueLatency: Histogram<'name'>;
  private readonly queueWorkDuration: Histogram<'name'>;
  private readonly queueRetries: Counter<'name'>;
  private readonly queueUnfinished: Gauge<'name'>;
  private readonly queueLongestRunning: Gauge<'name'>;
  private readonly leaderStatus: Gauge<'name'>;
  private readonly apiRequests: Counter<'verb' | 'resource' | 'code'>;
  private readonly apiLatency: Histogram<'verb' | 'resource'>;
  private readonly informerEvents: Counter<'resource' | 'type'>;
  private readonly informerRelists: Counter<'resource'>;
  private readonly informerWatchRestarts: Counter<'resource'>;
  private readonly unhealthyInstances: Gauge<'namespace' | 'group' | 'component' | 'reason'>;
  private readonly failedOverInstances: Gauge<'namespace' | 'group' | 'component'>;
  /** Reasons reported per group (`namespace/group`), so a reason that went away is removed, not left stale. */
  private readonly reportedReasons = new Map<string, Set<string>>();

  constructor(options: OperatorMetricsOptions = {}) {
    const prefix = options.prefix ?? 'tikv_operator_';
    const registers = [this.registry];
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });

    this.reconcileTotal = new Counter({
      name: `${prefix}reconcile_total`,
      help: 'Reconciles per controller and result (success, requeue, error).',
      labelNames: ['controller', 'result'],
      registers,
    });
    this.reconcileErrors = new Counter({
      name: `${prefix}reconcile_errors_total`,
      help: 'Reconciles that ended in an error, per controller.',
      labelNames: ['controller'],
      registers,
    });
    this.reconcileDuration = new Histogram({
      name: `${prefix}reconcile_duration_seconds`,
      help: 'Time per reconcile, per controller.',
      labelNames: ['controller'],
      buckets: reconcileBuckets,
      registers,
    });
    this.queueDepth = new Gauge({
      name: 'workqueue_depth',
      help: 'Current depth of the work queue.',
      labelNames: ['name'],
      registers,
    });
    this.queueAdds = new Counter({
      name: 'workqueue_adds_total',
      help: 'Keys added to the work queue.',
      labelNames: ['name'],
      registers,
    });
    this.queueLatency = new Histogram({
      name: 'workqueue_queue_duration_seconds',
      help: 'How long a key stays in the work queue before a worker takes it.',
      labelNames: ['name'],
      buckets: queueBuckets,
      registers,
    });
    this.queueWorkDuration = new Histogram({
      name: 'workqueue_work_duration_seconds',
      help: 'How long processing a key from the work queue takes.',
      labelNames: ['name'],
      buckets: queueBuckets,
      registers,
    });
    this.queueRetries = new Counter({
      name: 'workqueue_retries_total',
      help: 'Retries (rate-limited re-adds) handled by the work queue.',
      labelNames: ['name'],
      registers,
    });
    this.queueUnfinished = new Gauge({
      name: 'workqueue_unfinished_work_seconds',
      help: 'Seconds of work in progress that has not been observed by work_duration yet.',
      labelNames: ['name'],
      registers,
    });
    this.queueLongestRunning = new Gauge({
      name: 'workqueue_longest_running_processor_seconds',
      help: 'Seconds the longest running worker of the queue has been busy.',
      labelNames: ['name'],
      registers,
    });
    this.leaderStatus = new Gauge({
      name: 'leader_election_master_status',
      help: '1 while this process holds the lease, 0 otherwise, per lease name.',
      labelNames: ['name'],
      registers,
    });
    this.apiRequests = new Counter({
      name: `${prefix}api_requests_total`,
      help: 'Apiserver requests by verb, resource (kind) and HTTP status code.',
      labelNames: ['verb', 'resource', 'code'],
      registers,
    });
    this.apiLatency = new Histogram({
      name: `${prefix}api_request_duration_seconds`,
      help: 'Apiserver request latency by verb and resource (kind); watches count until the response headers.',
      labelNames: ['verb', 'resource'],
      buckets: apiBuckets,
      registers,
    });
    this.informerEvents = new Counter({
      name: `${prefix}informer_events_total`,
      help: 'Informer events delivered to handlers, by resource (kind) and type.',
      labelNames: ['resource', 'type'],
      registers,
    });
    this.informerRelists = new Counter({
      name: `${prefix}informer_relists_total`,
      help: 'Full lists that replaced an informer cache, by resource (kind).',
      labelNames: ['resource'],
      registers,
    });
    this.informerWatchRestarts = new Counter({
      name: `${prefix}informer_watch_restarts_total`,
      help: 'Watch streams that ended unexpectedly and were restarted, by resource (kind).',
      labelNames: ['resource'],
      registers,
    });
    this.unhealthyInstances = new Gauge({
      name: `${prefix}unhealthy_instances`,
      help: 'Instances whose Healthy condition is not True, per group and reason (NodeNotReady, DataPlaneDown, ...).',
      labelNames: ['namespace', 'group', 'component', 'reason'],
      registers,
    });
    this.failedOverInstances = new Gauge({
      name: `${prefix}failed_over_instances`,
      help: 'Failed instances kept with a replacement (failover), per group.',
      labelNames: ['namespace', 'group', 'component'],
      registers,
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of every metric in this registry. */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  reconcileObserver(controller: string): ReconcileObserver {
    // Touch the series so a controller that never ran still shows up with zeroes.
    this.reconcileErrors.inc({ controller }, 0);
    return {
      reconciled: (result, durationSeconds) => {
        this.reconcileTotal.inc({ controller, result });
        if (result === 'error') this.reconcileErrors.inc({ controller });
        this.reconcileDuration.observe({ controller }, durationSeconds);
      },
    };
  }

  queueObserver(name: string): QueueObserver {
    this.queueDepth.set({ name }, 0);
    this.queueAdds.inc({ name }, 0);
    this.queueRetries.inc({ name }, 0);
    return {
      added: () => this.queueAdds.inc({ name }),
      depth: (keysWaiting) => this.queueDepth.set({ name }, keysWaiting),
      dequeued: (waitedSeconds) => this.queueLatency.observe({ name }, waitedSeconds),
      processed: (workSeconds) => this.queueWorkDuration.observe({ name }, workSeconds),
      retried: () => this.queueRetries.inc({ name }),
      inFlight: (unfinishedSeconds, longestRunningSeconds) => {
        this.queueUnfinished.set({ name }, unfinishedSeconds);
        this.queueLongestRunning.set({ name }, longestRunningSeconds);
      },
    };
  }

  leaderElectionObserver(lease: string): LeaderElectionObserver {
    this.leaderStatus.set({ name: lease }, 0);
    return { leading: (isLeader) => this.leaderStatus.set({ name: lease }, isLeader ? 1 : 0) };
  }

  apiRequestObserver(): ApiRequestObserver {
    return ({ verb, kind, code, durationSeconds }) => {
      const resource = typeof kind === 'string' ? kind : kind.kind;
      this.apiRequests.inc({ verb, resource, code: String(code) });
      this.apiLatency.observe({ verb, resource }, durationSeconds);
    };
  }

  informerObserver(resource: string): InformerObserver {
    this.informerRelists.inc({ resource }, 0);
    this.informerWatchRestarts.inc({ resource }, 0);
    return {
      event: (type) => this.informerEvents.inc({ resource, type }),
      relisted: () => this.informerRelists.inc({ resource }),
      watchRestarted: () => this.informerWatchRestarts.inc({ resource }),
    };
  }

  groupHealthObserver(): GroupHealthObserver {
    return {
      report: (group, unhealthyByReason, failedOver) => {
        const key = `${group.namespace}/${group.group}`;
        const previous = this.reportedReasons.get(key) ?? new Set<string>();
        const labels = { namespace: group.namespace, group: group.group, component: group.component };
        for (const reason of previous) {
          if (!(reason in unhealthyByReason)) this.unhealthyInstances.remove({ ...labels, reason });
        }
        for (const [reason, count] of Object.entries(unhealthyByReason)) {
          this.unhealthyInstances.set({ ...labels, reason }, count);
        }
        this.reportedReasons.set(key, new Set(Object.keys(unhealthyByReason)));
        this.failedOverInstances.set(labels, failedOver);
      },
      forget: (group) => {
        const key = `${group.namespace}/${group.group}`;
        const labels = { namespace: group.namespace, group: group.group, component: group.component };
        for (const reason of this.reportedReasons.get(key) ?? []) this.unhealthyInstances.remove({ ...labels, reason });
        this.reportedReasons.delete(key);
        this.failedOverInstances.remove(labels);
      },
    };
  }

  /** Apiserver request counts so far, for the bench (requests per verb, writes per instance). */
  async apiRequestCounts(): Promise<ApiRequestCount[]> {
    const { values } = await this.apiRequests.get();
    return values.map(({ labels, value }) => ({
      verb: String(labels.verb),
      resource: String(labels.resource),
      code: String(labels.code),
      count: value,
    }));
  }
}
