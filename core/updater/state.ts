// What the updater knows about one instance of a group: plain facts the group reconciler reads from the
// instance CR, its Pod and the plugin, so every updater decision is a pure function of them.

import type { Topology } from './topology.ts';

/**
 * Where an instance is in its life, the first that applies:
 * - `deleting`: its CR has a deletionTimestamp (a user deleted it, which asks for a replacement); the updater
 *   ignores it and its name stays taken;
 * - `removed`: its safe removal (the plugin's scale-in protocol) has finished; only its CR is left to delete;
 * - `removing`: marked for safe removal and still cancellable (for TiKV: store offline, not yet tombstone);
 * - `active`: serving or meant to serve.
 */
export type InstanceLifecycle = 'active' | 'removing' | 'removed' | 'deleting';

export interface UpdaterInstance {
  name: string;
  /** The revision the instance is at (its revision label). */
  revision: string;
  lifecycle: InstanceLifecycle;
  /** Its Pod exists and runs (not necessarily ready). */
  running: boolean;
  /**
   * Ready and healthy for at least minReadySeconds (see `availability`); an instance that is not available
   * counts against maxUnavailable.
   */
  available: boolean;
  /** The topology it is pinned to (its nodeSelector), if the group spreads over topologies. */
  topology?: Topology;
  /** The user's priority annotation: lower is removed or updated first; absent comes after every annotated one. */
  priority?: number;
  /**
   * The plugin's preference: how much it costs to disrupt this instance; lower is removed or updated first
   * (for example 1 for the PD leader, 0 for followers). Absent means 0.
   */
  disruptionCost?: number;
}
