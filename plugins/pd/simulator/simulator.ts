// The effectful shell around the model: one simulated cluster (model + HTTP server on a free loopback port) per
// TiKV cluster seen in the control plane, driven by Pod, PVC and Service events, ticking on a clock, and
// registered in the address resolver so the operator reaches it through its real PD client. Tests, the dev
// command and the bench start all of it with one call to `startSimulator`.

import { labelKeys } from '../../../core/api/labels.ts';
import { SharedInformerFactory } from '../../../core/cache/factory.ts';
import type { Informer, InformerEvent } from '../../../core/cache/informer.ts';
import type { KubeClient } from '../../../core/kube/client.ts';
import { type KubeObject, keyOf, kinds } from '../../../core/kube/object.ts';
import { RestKubeClient } from '../../../core/kube/rest-client.ts';
import { MappingResolver, type Unmap } from '../../../core/net/resolver.ts';
import { type Logger, silentLogger } from '../../../core/observability/log.ts';
import type { RunningServer } from '../../../core/platform/runtime.ts';
import { type CancelTimer, type Clock, realClock } from '../../../core/runtime/clock.ts';
import { legacyPodSelector } from '../../legacy/objects.ts';
import { serveSimulatedCluster } from './api/server.ts';
import {
  type ClusterRef,
  claimToken,
  clusterKey,
  defaultPorts,
  observePod,
  observeService,
  type PodLike,
  type Ports,
  type ServiceLike,
} from './drive/observations.ts';
import { safetyMetricsText } from './metrics.ts';
import { PdClusterModel, type ReplicationConfig, type ScheduleConfig } from './model/cluster.ts';
import { type SimulationKnobs, withDefaults } from './model/knobs.ts';
import type { SafetyReport } from './model/safety.ts';

export type ObservedKind = 'Pod' | 'PersistentVolumeClaim' | 'Service';

/** One change in the control plane, in the shape of core/cache informer events plus the object's kind. */
export type ObservedEvent = InformerEvent<KubeObject> & { kind: ObservedKind };

export interface ClusterSettings extends ClusterRef {
  knobs?: Partial<SimulationKnobs>;
  replication?: Partial<ReplicationConfig>;
  /** Fixed loopback port; a free one when absent. */
  port?: number;
  /** More DNS names (hosts) that should reach this cluster's PD. */
  hosts?: string[];
}

export interface SimulatorOptions {
  /** Watch Pods, PVCs and Services through this client (all namespaces unless `namespace`). */
  kube?: KubeClient;
  /** Same, with a client built from this kubeconfig file. */
  kubeconfig?: string;
  /** Or feed from informers the caller already runs (the operator's shared informers). */
  informers?: { pods: Informer; claims?: Informer; services?: Informer };
  /** Or from any stream of events. Without any source, call `observe()` yourself. */
  events?: AsyncIterable<ObservedEvent>;
  /** Restricts the `kube`/`kubeconfig` watches to one namespace. */
  namespace?: string;
  /** Clusters to create up front (others are created when their first Pod appears). */
  clusters?: ClusterSettings[];
  /** Defaults for every cluster. */
  knobs?: Partial<SimulationKnobs>;
  replication?: Partial<ReplicationConfig>;
  schedule?: Partial<ScheduleConfig>;
  /** The resolver the operator uses; the simulator maps its clusters' names into it. A new one by default. */
  resolver?: MappingResolver;
  /** Drives the ticker and every model's notion of now. Default: the wall clock. */
  clock?: Clock;
  /** Tick every `knobs.tickMs` on `clock` (default true); false leaves ticking to `tick()`. */
  autoTick?: boolean;
  /** Seeds cluster and member ids (cluster i gets seed + i); random when absent. */
  seed?: bigint | number;
  ports?: Partial<Ports>;
  log?: Logger;
}

export interface SimulatedCluster extends ClusterRef {
  readonly model: PdClusterModel;
  readonly port: number;
  /** `http://127.0.0.1:<port>`: PD's API and the simulator's /sim API. */
  readonly url: string;
}

export interface SimulatorSafety {
  clean: boolean;
  clusters: Array<ClusterRef & { report: SafetyReport }>;
}

export interface Simulator {
  readonly resolver: MappingResolver;
  cluster(namespace: string, name: string): SimulatedCluster | undefined;
  clusters(): SimulatedCluster[];
  /** Creates the cluster's simulator if it does not exist yet. */
  ensureCluster(settings: ClusterSettings): SimulatedCluster;
  /** Applies one control-plane change. */
  observe(event: ObservedEvent): void;
  /** Subscribes to an informer; returns the unsubscribe function. */
  connect(kind: ObservedKind, informer: Informer): () => void;
  /** One scheduling round in every cluster. */
  tick(): void;
  safety(): SimulatorSafety;
  /** Safety counters of every cluster in the Prometheus text format. */
  metricsText(): string;
  stop(): Promise<void>;
}

interface ClusterEntry extends SimulatedCluster {
  server: RunningServer;
  unmaps: Unmap[];
}

/** Pod label selector of the Pods the simulator cares about. */
export const simulatedPodSelector = `${labelKeys.component} in (pd,tikv)`;
/** The legacy tikv-operator's PD and TiKV Pods (a second watch: one selector cannot match either label set). */
export { legacyPodSelector } from '../../legacy/objects.ts';

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const sim = new SimulatorImpl(opts);
  try {
    for (const c of opts.clusters ?? []) sim.ensureCluster(c);
    await sim.startSources();
  } catch (e) {
    await sim.stop();
    throw e;
  }
  return sim;
}

class SimulatorImpl implements Simulator {
  readonly resolver: MappingResolver;
  private readonly entries = new Map<string, ClusterEntry>();
  private readonly podHosts = new Map<string, { cluster: string; unmap: Unmap }>();
  private readonly serviceHosts = new Map<string, Unmap>();
  /** Last refusal per TiKV Pod, so a crash-looping store is logged once. */
  private readonly refused = new Map<string, string>();
  private readonly clock: Clock;
  private readonly ports: Ports;
  private readonly log: Logger;
  private readonly unsubscribes: Array<() => void> = [];
  private factory: SharedInformerFactory | undefined;
  private iterator: AsyncIterator<ObservedEvent> | undefined;
  private pump: Promise<void> | undefined;
  private cancelTick: CancelTimer | undefined;
  private stopped = false;

  constructor(private readonly opts: SimulatorOptions) {
    this.resolver = opts.resolver ?? new MappingResolver();
    this.clock = opts.clock ?? realClock;
    this.ports = { ...defaultPorts, ...opts.ports };
    this.log = opts.log ?? silentLogger();
  }

  cluster(namespace: string, name: string): SimulatedCluster | undefined {
    return this.entries.get(clusterKey({ namespace, name }));
  }

  clusters(): SimulatedCluster[] {
    return [...this.entries.values()];
  }

  ensureCluster(settings: ClusterSettings): SimulatedCluster {
    const key = clusterKey(settings);
    const existing = this.entries.get(key);
    if (existing) return existing;
    const index = this.entries.size;
    const seed = this.opts.seed === undefined ? undefined : BigInt(this.opts.seed) + BigInt(index);
    const model = new PdClusterModel({
      clock: this.clock,
      seed,
      knobs: { ...this.opts.knobs, ...settings.knobs },
      replication: { ...this.opts.replication, ...settings.replication },
      schedule: this.opts.schedule,
    });
    const ref = { namespace: settings.namespace, name: settings.name };
    const server = serveSimulatedCluster(model, ref, settings.port ?? 0);
    const target = `127.0.0.1:${server.port}`;
    // `<cluster>-pd` is the conventional PD Service name; observed Services and Pods add the real ones.
    const hosts = [`${settings.name}-pd.${settings.namespace}.svc`, ...(settings.hosts ?? [])];
    const entry: ClusterEntry = {
      ...ref,
      model,
      port: server.port,
      url: `http://${target}`,
      server,
      unmaps: hosts.map((h) => this.resolver.mapHost(h, target)),
    };
    this.entries.set(key, entry);
    this.log.info('simulated cluster started', { cluster: key, url: entry.url });
    return entry;
  }

  observe(event: ObservedEvent): void {
    if (this.stopped) return;
    switch (event.kind) {
      case 'Pod':
        this.observePod(event);
        return;
      case 'PersistentVolumeClaim':
        if (event.type === 'delete') this.observeClaimDeleted(event.obj);
        return;
      case 'Service':
        this.observeService(event);
        return;
    }
  }

  connect(kind: ObservedKind, informer: Informer): () => void {
    const unsubscribe = informer.addHandler((event) => this.observe({ ...event, kind }));
    this.unsubscribes.push(unsubscribe);
    return unsubscribe;
  }

  tick(): void {
    for (const entry of this.entries.values()) entry.model.tick();
  }

  safety(): SimulatorSafety {
    const clusters = this.clusters().map((c) => ({ namespace: c.namespace, name: c.name, report: c.model.safety() }));
    return { clean: clusters.every((c) => c.report.clean), clusters };
  }

  metricsText(): string {
    return safetyMetricsText(
      this.clusters().map((c) => ({ namespace: c.namespace, cluster: c.name, counters: c.model.safety().counters })),
    );
  }

  async startSources(): Promise<void> {
    const { informers, events } = this.opts;
    if (informers) {
      this.connect('Pod', informers.pods);
      if (informers.claims) this.connect('PersistentVolumeClaim', informers.claims);
      if (informers.services) this.connect('Service', informers.services);
    }
    const kube =
      this.opts.kube ?? (this.opts.kubeconfig ? RestKubeClient.fromKubeconfigFile(this.opts.kubeconfig) : undefined);
    if (kube) {
      const factory = new SharedInformerFactory(kube, { clock: this.clock, log: this.log });
      this.factory = factory;
      const scope = { namespace: this.opts.namespace };
      this.connect('Pod', factory.informerFor(kinds.Pod, { ...scope, labelSelector: simulatedPodSelector }));
      this.connect('Pod', factory.informerFor(kinds.Pod, { ...scope, labelSelector: legacyPodSelector }));
      this.connect('PersistentVolumeClaim', factory.informerFor(kinds.PersistentVolumeClaim, scope));
      this.connect('Service', factory.informerFor(kinds.Service, scope));
      factory.startAll();
      await factory.waitForCacheSync();
    }
    if (events) {
      const iterator = events[Symbol.asyncIterator]();
      this.iterator = iterator;
      this.pump = (async () => {
        for (;;) {
          const next = await iterator.next();
          if (next.done || this.stopped) return;
          this.observe(next.value);
        }
      })().catch((e: unknown) => this.log.error('simulator event source failed', { error: String(e) }));
    }
    if (this.opts.autoTick ?? true) this.scheduleTick();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.cancelTick?.();
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
    await this.factory?.stopAll();
    await this.iterator?.return?.();
    await this.pump;
    for (const unmap of [...this.podHosts.values()].map((p) => p.unmap)) unmap();
    for (const unmap of this.serviceHosts.values()) unmap();
    await Promise.all(
      [...this.entries.values()].map(async (entry) => {
        for (const unmap of entry.unmaps) unmap();
        await entry.server.stop();
      }),
    );
  }

  private scheduleTick(): void {
    const tickMs = withDefaults(this.opts.knobs).tickMs;
    this.cancelTick = this.clock.after(tickMs, () => {
      if (this.stopped) return;
      this.tick();
      this.scheduleTick();
    });
  }

  private observePod(event: ObservedEvent): void {
    const pod = event.obj as PodLike;
    const seen = observePod(pod, event.type === 'delete', this.ports);
    if (!seen) return;
    const entry = this.ensureCluster(seen.cluster) as ClusterEntry;
    const podKey = keyOf(pod);
    if (event.type === 'delete') {
      // A Pod that is gone has no DNS record: the operator's requests to it fail like in a cluster.
      this.podHosts.get(podKey)?.unmap();
      this.podHosts.delete(podKey);
    } else if (this.podHosts.get(podKey)?.cluster !== clusterKey(entry)) {
      this.podHosts.get(podKey)?.unmap();
      this.podHosts.set(podKey, {
        cluster: clusterKey(entry),
        unmap: this.resolver.mapHost(seen.host, `127.0.0.1:${entry.port}`),
      });
    }
    const model = entry.model;
    if (seen.component === 'pd') {
      if (seen.serving) model.memberUp(seen.member);
      else if (model.member(seen.member.name)?.healthy) model.memberDown(seen.member.name);
      return;
    }
    if (seen.running) {
      const result = model.startStore(seen.store);
      const reason = result.status === 'rejected' ? result.reason : undefined;
      if (reason !== undefined && this.refused.get(podKey) !== reason) {
        this.log.warn('simulated TiKV refused by PD', { pod: podKey, reason });
      }
      if (reason === undefined) this.refused.delete(podKey);
      else this.refused.set(podKey, reason);
    } else {
      model.stopStore(seen.store.address);
    }
  }

  private observeClaimDeleted(claim: KubeObject): void {
    const token = claimToken(claim);
    for (const entry of this.entries.values()) {
      if (entry.namespace !== claim.metadata.namespace) continue;
      const destroyed = entry.model.destroyData(token);
      if (destroyed.length > 0) {
        this.log.info('simulated store data destroyed', { claim: token, stores: destroyed.map((s) => s.id) });
      }
    }
  }

  private observeService(event: ObservedEvent): void {
    const seen = observeService(event.obj as ServiceLike);
    const key = keyOf(event.obj);
    this.serviceHosts.get(key)?.();
    this.serviceHosts.delete(key);
    if (!seen || event.type === 'delete') return;
    const entry = this.ensureCluster(seen.cluster);
    this.serviceHosts.set(key, this.resolver.mapHost(seen.host, `127.0.0.1:${entry.port}`));
  }
}
