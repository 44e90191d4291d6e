// The plugin contract: everything the generic core needs to know about one component (PD, TiKV, a test
// component), and nothing more. The core's cluster, group and instance reconcilers call these members at fixed
// points; docs/plugins.md documents them one by one. This is the widest interface of the code base on purpose:
// every other seam (Reconciler, EventMapper, Informer, KubeClient) stays small.
//
// Plugins never talk to the apiserver for the objects the core manages (Pods, ConfigMaps, PVCs, Services,
// instances): they return what they want rendered, or a task result, and the core applies it. They do talk to
// their own data plane (PD's HTTP API) from their protocol steps.
import type { Cluster } from '../api/cluster.ts';
import type { KindDefinition, KindObject } from '../api/kind.ts';
import type { CommonTemplateSpec, ConfigUpdateStrategy, VolumeReclaimPolicy } from '../api/template.ts';
import type { KubeObject } from '../kube/object.ts';
import type { EventRecorder } from '../observability/events.ts';
import type { Logger } from '../observability/log.ts';
import type { Clock } from '../runtime/clock.ts';
import type { Task } from '../tasks/task.ts';

/** Instance spec fields the core relies on (the template spec is inlined; see core/api/instance.ts). */
export interface InstanceSpec extends CommonTemplateSpec {
  cluster: { name: string };
  topology: Record<string, string>;
  subdomain: string;
  version: string;
  image?: string | undefined;
  config?: string | undefined;
  configUpdateStrategy: ConfigUpdateStrategy;
  /** What happens to the PVCs when the instance is removed (default Delete). */
  volumeReclaimPolicy?: VolumeReclaimPolicy | undefined;
  /** Only for plugins whose scale-in mode is `offline`: the group asks for safe removal by setting it. */
  offline?: boolean | undefined;
}

export type InstanceObject = KindObject<InstanceSpec, Record<string, unknown>>;
export type GroupObject = KindObject<
  {
    cluster: { name: string };
    replicas: number;
    minReadySeconds: number;
    template: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: unknown };
  } & Record<string, unknown>,
  Record<string, unknown>
>;

/** A named port of the component's main container; also exposed on the group's headless peer Service. */
export interface ComponentPort {
  name: string;
  port: number;
}

/** Shared by every hook: who is asking, and the facts the cluster publishes. */
export interface ComponentContext {
  cluster: Cluster;
  /** Groups of every component in this cluster, by component name (PD's URL is read from here by TiKV). */
  groups: ReadonlyMap<string, readonly GroupObject[]>;
  clock: Clock;
  logger: Logger;
  events: EventRecorder;
}

/** What the instance reconciler knows while it works on one instance. */
export interface InstanceContext<D = unknown> extends ComponentContext {
  instance: InstanceObject;
  group: GroupObject | undefined;
  /** The instance's Pod, if it exists. */
  pod: (KubeObject & Record<string, unknown>) | undefined;
  /** Every instance of the same group (peers), including this one. */
  peers: readonly InstanceObject[];
  /** The plugin's view of this instance in its data plane (a PD member, a TiKV store), from `loadDataPlane`. */
  dataPlane: D;
  /** Status fields the plugin wants written (store id, member id, leader flag). Merged into `status` once. */
  statusPatch: Record<string, unknown>;
  /** Conditions the plugin sets on the instance (LeadersEvicted, Offlined). Merged by type, written once. */
  setCondition(type: string, status: 'True' | 'False' | 'Unknown', reason: string, message: string): void;
  /**
   * Removes a condition the plugin set earlier (LeadersEvicted once the eviction is over), so that the next
   * `setCondition` of that type starts a new `lastTransitionTime`: plugins time their bounded waits from it.
   */
  removeCondition(type: string): void;
}

/**
 * The component's config file, rendered from the user's TOML plus the keys the operator manages; or the user's
 * errors; or `pending`: a fact the config needs does not exist yet (PD: a bootstrap peer not created yet; TiKV:
 * no PD URL yet). Pending is no error: no event, no ConfigInvalid, no Pod yet; the reconcile comes back after
 * `retryAfterMs`, or on the next event when it is omitted.
 */
export type RenderedConfig =
  | { ok: true; fileName: string; content: string }
  | { ok: false; errors: string[] }
  | { ok: false; pending: string; retryAfterMs?: number };

/** The component-specific part of the Pod; the core adds identity, volumes, labels, topology and the overlay. */
export interface RenderedPod {
  /** The main container: name, image, command, ports, probes, env, resources. */
  container: Record<string, unknown> & { name: string };
  /** Where the rendered config file is mounted (its directory). */
  configMountPath: string;
  /** Extra Pod volumes (emptyDir, secrets). */
  volumes?: Record<string, unknown>[];
  /** Seconds; the core sets it on the Pod spec. */
  terminationGracePeriodSeconds?: number;
}

/** A Service the component needs besides the headless peer Service (PD's client Service). */
export interface RenderedService {
  name: string;
  ports: ComponentPort[];
  /** `None` for headless. */
  clusterIP?: 'None';
}

/** Facts a component publishes on the Cluster's status (PD: its URL and the cluster id). */
export interface ClusterFacts {
  pd?: string;
  id?: string;
}

/**
 * How a component leaves the group safely:
 * - `offline`: the group sets `spec.offline: true` on the instance; `steps` run in the instance reconciler until
 *   all complete, then `isRemoved` turns true and the group deletes the instance. Setting `offline` back to false
 *   before that runs `cancelSteps` (TiKV: store offline → back Up).
 * - `delete`: the group deletes the instance; `steps` run in the instance's finalizer before its Pod, ConfigMap
 *   and PVCs are removed (PD: transfer leadership, delete the member).
 * Deleting the whole Cluster runs neither: everything goes.
 */
export interface ScaleInProtocol<D> {
  mode: 'offline' | 'delete';
  steps: Task<InstanceContext<D>>[];
  cancelSteps?: Task<InstanceContext<D>>[];
  /** `offline` mode: the data plane has finished the removal (TiKV store Tombstone / Removed). */
  isRemoved?(ctx: InstanceContext<D>): boolean;
  /**
   * `offline` mode: the data plane shows a removal under way (TiKV store Offline / Removing). With `offline`
   * back to false this makes the instance reconciler run `cancelSteps` (also after an operator restart that lost
   * the `Offlined` condition it keeps while removing).
   */
  isRemoving?(ctx: InstanceContext<D>): boolean;
  /**
   * Whether the group may start removing `count` more instances now (PD: quorum of the remaining members; TiKV:
   * enough Up stores for max-replicas). A refusal becomes a group condition and a Warning event. `instances` are
   * the group's active instances; `removing` names the `count` instances the updater picked (removing an
   * unhealthy PD member keeps a quorum where removing a healthy one would not).
   */
  mayRemove?(
    ctx: ComponentContext & {
      group: GroupObject;
      instances: readonly InstanceObject[];
      removing?: readonly string[];
    },
    count: number,
  ): { ok: true } | { ok: false; reason: string };
}

/** Steps around a Pod recreation (restart or upgrade). */
export interface RestartProtocol<D> {
  /** Run before the Pod is deleted; all must complete (PD: transfer leadership; TiKV: evict leaders). */
  before: Task<InstanceContext<D>>[];
  /**
   * Run whenever the Pod is running and no recreation is pending, so also once the new Pod is back (TiKV: remove
   * the evict-leader scheduler when the store is Up). Level-triggered: the steps must find out from the data
   * plane whether there is anything to undo, do nothing otherwise, and stay cheap. That also undoes a `before`
   * that ran for a recreation the user reverted, and survives an operator restart at any point.
   */
  after: Task<InstanceContext<D>>[];
  /** Grace period for every Pod deletion by the operator (restart, suspend, removal; TiKV: sized to its regions). */
  gracePeriodSeconds?(ctx: InstanceContext<D>): number;
}

/**
 * The data plane's own verdict on one instance, richer than `health`: the core's `Healthy` condition, the
 * instance's `status.downSince` and failover read it.
 * - `up`: it serves;
 * - `disconnected`: briefly unreachable (a restart, a network blip): not a failure yet (TiKV store Disconnected);
 * - `down`: failed in the data plane's own judgement (TiKV store Down; PD member unhealthy);
 * - `unknown`: the data plane cannot tell now (PD without quorum): nothing is concluded, nothing is reset.
 */
export interface DataPlaneState {
  state: 'up' | 'disconnected' | 'down' | 'unknown';
  /** When the instance entered this state (ms since the epoch), if the data plane knows; else "now". */
  sinceMs?: number;
  /** For the `Healthy` condition's message. */
  message: string;
}

/**
 * What happens to an instance that stays down longer than its group's `spec.failover.period` (failover is opt-in
 * per group; a plugin without this member never fails over):
 * - `replace` (TiKV): the instance is marked failed (`tikv.org/failed-since`) and the group keeps one more instance
 *   so `replicas` healthy ones serve; the failed one is kept, its data may come back. Once it is healthy again
 *   the mark goes and the group's normal, safe scale-in removes the replacement (or the instance the user chose).
 * - `recreateEmpty` (PD): one instance at a time is marked `tikv.org/recreate-empty`; its instance reconciler
 *   runs `forgetSteps` (PD: delete the member), deletes the Pod and the PVCs and lets the instance start again
 *   empty, so it joins as a new member under its old name.
 */
export interface FailoverProtocol<D> {
  mode: 'replace' | 'recreateEmpty';
  /**
   * Group reconciler: may `failing` fail over now? The guard against failing over because the data plane's
   * control is itself broken (TiKV: PD answers and has quorum; PD: the other members keep quorum). A refusal
   * becomes the group's `Failover` condition and a Warning event. `instances` are the group's active instances.
   */
  mayFailover?(
    ctx: ComponentContext & { group: GroupObject; instances: readonly InstanceObject[]; failing: string },
  ): { ok: true } | { ok: false; reason: string };
  /**
   * `recreateEmpty` only, instance reconciler: the steps that make the data plane forget the member before its
   * Pod and volumes go (PD: transfer leadership away, delete the member). All must complete; they run again on
   * every reconcile until then, so they must be idempotent.
   */
  forgetSteps?: Task<InstanceContext<D>>[];
}

/** Pushes data-plane changes into the controllers, so no step waits for a fixed poll. */
export interface DataPlaneSource {
  /** Starts watching one cluster; `onChange` gets instance names whose data-plane view changed. */
  watch(cluster: Cluster, onChange: (instanceNames: readonly string[]) => void): () => void;
}

export interface ComponentPlugin<D = unknown> {
  /** The `tikv.org/component` label value ("pd"). */
  readonly name: string;
  readonly groupKind: KindDefinition;
  readonly instanceKind: KindDefinition;
  /** Components that must be ready and upgraded before this one (TiKV: ["pd"]). */
  readonly dependsOn: readonly string[];
  readonly ports: readonly ComponentPort[];
  /**
   * Where the `data` volume is mounted when the template gives it no mounts (the `dataDirectory` passed to
   * `commonTemplateEntries`, "/var/lib/tikv").
   */
  readonly dataDirectory: string;
  /** Template fields that may change without a restart besides the core's (labels, annotations, volume size). */
  readonly hotReloadableFields?: readonly string[];

  /**
   * Renders the config file; errors (bad TOML, managed keys) become `ConfigInvalid` and change no Pod; `pending`
   * becomes `Synced=False` reason `ConfigPending` and waits (no Pod is created or changed meanwhile).
   */
  renderConfig(ctx: InstanceContext<D>): RenderedConfig;
  /**
   * Checks the group's template before any instance gets it (bad TOML, managed keys set): the problems, empty
   * when fine. Any problem stops the group's rollout with `Synced=False` reason `ConfigInvalid` and a Warning
   * event. Optional: without it the group still stops once an instance at the new revision reports
   * `ConfigInvalid` from `renderConfig`.
   */
  validateTemplate?(ctx: ComponentContext & { group: GroupObject }): string[];
  renderPod(ctx: InstanceContext<D>): RenderedPod;
  /** Services besides the headless peer Service the core always creates. */
  services?(ctx: ComponentContext & { group: GroupObject }): RenderedService[];
  /**
   * Instance names of this group the data plane still holds (a PD member, a TiKV store not yet purged). The group
   * never gives such a name to a new instance, so new data never meets an old identity. Read from a cache: it is
   * called on every rollout pass of the group.
   */
  namesInUse?(ctx: ComponentContext & { group: GroupObject }): Iterable<string>;
  /** Annotations stamped on a new instance when the group creates it (PD: initial cluster membership). */
  newInstanceAnnotations?(ctx: ComponentContext & { group: GroupObject; name: string }): Record<string, string>;

  /** Reads this instance's data-plane view at the start of a reconcile (from a cache, not a blocking call). */
  loadDataPlane(ctx: InstanceContext<undefined>): Promise<D> | D;
  /** Whether the instance serves: Pod ready and the data plane agrees (member healthy, store Up). */
  health(ctx: InstanceContext<D>): { healthy: boolean; reason: string };
  /**
   * The data plane's verdict on this instance (up / disconnected / down / unknown). Optional: without it the core
   * derives `Healthy` from `health` and only node and volume failures count as down. Called on every reconcile
   * that loaded the data plane, also without a Pod (a store stays Down while its Pod cannot be scheduled).
   */
  dataPlaneState?(ctx: InstanceContext<D>): DataPlaneState;
  /**
   * Lower is disrupted first by scale-in and rolling updates (PD: the leader last). Called by the group
   * reconciler, which has no data-plane view: read what the instance reconciler wrote into the instance's status
   * (PD's leader flag).
   */
  disruptionCost?(instance: InstanceObject, ctx: ComponentContext): number;
  /** Extra steps of the normal reconcile, after the Pod exists (TiKV: store labels). */
  syncSteps?: Task<InstanceContext<D>>[];
  readonly restart: RestartProtocol<D>;
  readonly scaleIn: ScaleInProtocol<D>;
  /** How an instance of this component fails over (absent: never). */
  readonly failover?: FailoverProtocol<D>;
  /** Facts this component publishes on the Cluster status. */
  clusterFacts?(ctx: ComponentContext & { groups: ReadonlyMap<string, readonly GroupObject[]> }): ClusterFacts;
  readonly dataPlaneSource?: DataPlaneSource;
}
