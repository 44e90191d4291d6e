// An instance's health (pure): from its Pod, the node the Pod is bound to, its volumes and the data plane's own
// verdict, the `Healthy` condition (one reason, the most telling) and whether the instance counts as *down*: failed
// in a way that does not heal by itself soon (node NotReady or gone, volume stranded on such a node, data plane
// Down). Only down counts towards failover; a Pod that restarts, a store briefly Disconnected, or a data plane that
// cannot tell (PD without quorum) never does.
//
// `status.downSince` records since when the instance has been down without being Healthy in between; the group's
// failover counts its period from there. It is kept while the instance stays unhealthy for any reason (a Pod that
// went Pending after its node died is no better than the dead node), cleared once Healthy, and left as it is while
// the health is Unknown.
import type { DataPlaneState } from '../plugin/contract.ts';
import type { NodeHealth } from './nodes.ts';

export const healthReasons = {
  Healthy: 'Healthy',
  /** The Cluster suspends compute: no Pod on purpose. */
  Suspended: 'Suspended',
  NodeGone: 'NodeGone',
  NodeNotReady: 'NodeNotReady',
  /** The Pod cannot run: one of its volumes is tied to nodes none of which is Ready. */
  VolumeStranded: 'VolumeStranded',
  DataPlaneDown: 'DataPlaneDown',
  PodNotCreated: 'PodNotCreated',
  PodNotReady: 'PodNotReady',
  DataPlaneDisconnected: 'DataPlaneDisconnected',
  /** The plugin has no data-plane verdict and its `health` says the component does not serve. */
  DataPlaneUnhealthy: 'DataPlaneUnhealthy',
  /** The data plane cannot tell (PD without quorum): the condition is Unknown. */
  DataPlaneUnknown: 'DataPlaneUnknown',
} as const;
export type HealthReason = (typeof healthReasons)[keyof typeof healthReasons];

/** Reasons that make an instance down (see the module comment). */
export const downReasons: ReadonlySet<string> = new Set([
  healthReasons.NodeGone,
  healthReasons.NodeNotReady,
  healthReasons.VolumeStranded,
  healthReasons.DataPlaneDown,
]);

export interface HealthInput {
  /** Cluster.spec.suspendAction.suspendCompute. */
  suspended: boolean;
  /** The instance's own Pod, if it exists. */
  pod: PodFacts | undefined;
  node: NodeHealth;
  /** Names of the instance's volumes that cannot be used on any Ready node (see strandedVolumes). */
  strandedVolumes: readonly string[];
  /** The plugin's `dataPlaneState`; undefined when the plugin has none. */
  dataPlane: DataPlaneState | undefined;
  /** The plugin's `health` (asked only with a Pod); used when there is no `dataPlane`. */
  serving: { healthy: boolean; reason: string } | undefined;
}

/** What health needs to know of the Pod. */
export interface PodFacts {
  /** Phase Running and not terminating. */
  running: boolean;
  /** Ready condition True and not terminating. */
  ready: boolean;
  terminating: boolean;
  phase: string;
}

export interface InstanceHealth {
  status: 'True' | 'False' | 'Unknown';
  reason: HealthReason;
  message: string;
  /** Counts towards failover (see `downReasons`). */
  down: boolean;
  /** When the failure began, if something knows better than "now" (the node's or the data plane's time). */
  sinceMs?: number;
}

export function instanceHealth(input: HealthInput): InstanceHealth {
  const { pod, node, dataPlane } = input;
  const unhealthy = (reason: HealthReason, message: string, sinceMs?: number): InstanceHealth => {
    const out: InstanceHealth = { status: 'False', reason, message, down: downReasons.has(reason) };
    if (sinceMs !== undefined) out.sinceMs = sinceMs;
    return out;
  };

  if (input.suspended) {
    return { status: 'False', reason: healthReasons.Suspended, message: 'compute is suspended', down: false };
  }
  if (node.kind === 'gone') {
    return unhealthy(healthReasons.NodeGone, `the Pod's node ${node.node} no longer exists`);
  }
  if (node.kind === 'notReady') return unhealthy(healthReasons.NodeNotReady, node.message, node.sinceMs);
  if (input.strandedVolumes.length > 0 && !pod?.running) {
    return unhealthy(
      healthReasons.VolumeStranded,
      `volume ${input.strandedVolumes.join(', ')} can only be used on nodes that are not Ready or gone`,
    );
  }
  if (dataPlane?.state === 'down') return unhealthy(healthReasons.DataPlaneDown, dataPlane.message, dataPlane.sinceMs);
  if (!pod) return unhealthy(healthReasons.PodNotCreated, 'the Pod does not exist');
  if (!pod.ready) {
    const why = pod.terminating ? 'the Pod is terminating' : `the Pod is not ready (${pod.phase})`;
    return unhealthy(healthReasons.PodNotReady, why);
  }
  if (dataPlane?.state === 'unknown') {
    return { status: 'Unknown', reason: healthReasons.DataPlaneUnknown, message: dataPlane.message, down: false };
  }
  if (dataPlane?.state === 'disconnected') return unhealthy(healthReasons.DataPlaneDisconnected, dataPlane.message);
  if (dataPlane === undefined && input.serving && !input.serving.healthy) {
    return unhealthy(healthReasons.DataPlaneUnhealthy, input.serving.reason);
  }
  return {
    status: 'True',
    reason: healthReasons.Healthy,
    message: dataPlane?.message ?? input.serving?.reason ?? 'the Pod is ready',
    down: false,
  };
}

/** The next `status.downSince` (ms) from the previous one and this reconcile's health (see the module comment). */
export function nextDownSince(
  previousMs: number | undefined,
  health: InstanceHealth,
  nowMs: number,
): number | undefined {
  if (health.status === 'True' || health.reason === healthReasons.Suspended) return undefined;
  if (health.status === 'Unknown') return previousMs;
  if (previousMs !== undefined) return previousMs;
  return health.down ? Math.min(health.sinceMs ?? nowMs, nowMs) : undefined;
}

/**
 * The event for a change of health, if it deserves one: a Warning when the instance becomes down (or down for
 * another reason), a Normal `Recovered` when a down instance is Healthy again. Routine states (a Pod being created
 * or restarted, a store briefly Disconnected) make no events: restarts have their own.
 */
export function healthEvent(
  previous: { status: string; reason: string } | undefined,
  next: InstanceHealth,
  wasDown: boolean,
): { type: 'Warning' | 'Normal'; reason: string; note: string } | undefined {
  if (next.down && (previous?.reason !== next.reason || previous.status !== next.status)) {
    return { type: 'Warning', reason: next.reason, note: next.message };
  }
  const previousDown = previous !== undefined && previous.status === 'False' && downReasons.has(previous.reason);
  if (next.status === 'True' && previous?.status !== 'True' && (previousDown || wasDown)) {
    return { type: 'Normal', reason: 'Recovered', note: `healthy again: ${next.message}` };
  }
  return undefined;
}
