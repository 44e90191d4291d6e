// The updater: from the group's instances, its desired replicas, its update revision and the rollout limits,
// decide the next actions of scale-out, scale-in and rolling update. It follows tidb-operator v2's executor
// arithmetic (pkg/updater) but returns the actions instead of performing them, and simulates each action on
// its own copy of the state so the next decision of the same pass sees its effect.
//
// Let `actual` be the active instances, `updated` those at the update revision, `outdated` the others,
// `available` the active available ones, maximum = desired + min(maxSurge, outdated) and
// minimum = desired - maxUnavailable. While updated != desired or outdated > 0:
//   - actual < maximum: scale out (take back an instance being removed while below `desired`, else create one);
//   - actual == maximum and updated < desired: update an outdated instance (an unavailable one first: that
//     costs no availability);
//   - actual == maximum and updated == desired: scale in an outdated instance (the surge is done);
//   - actual > maximum: scale in an updated instance when there are more than desired, else an outdated one.
// Every action that takes an available instance out of service needs available - 1 >= minimum; otherwise the
// pass ends with a wait. Creating instances and touching unavailable ones never waits.
// Instances being removed are not active: they leave the replicas as soon as they are marked, and their
// scale-in protocol (not this arithmetic) keeps the data safe.
// Failed instances (failover, `replace` mode) stay active but do not count towards `desired`: the target is
// desired + failed, so each gets a replacement, and once one recovers the surplus is scaled in like any other
// (the caller names the replacement in `chosenForRemoval`). The availability floor stays desired - maxUnavailable. Instances whose removal finished are deleted in
// every pass. The plan is deterministic: re-planning the same
// state gives the same actions, and re-planning after applying them adds no disruption beyond the limits.

import { allocateNames } from '../naming/ordinal-names.ts';
import { pickForDisruption, pickForRevival, type SelectionContext } from './selection.ts';
import type { UpdaterInstance } from './state.ts';
import { nextTopologyToAdd, type SpreadTopology, type Topology } from './topology.ts';

export interface UpdaterInput {
  /** The group name: new instances are named `<group>-<ordinal>`. */
  group: string;
  /** Every instance of the group the cache shows, plus pending creations (see `NameReservations`). */
  instances: readonly UpdaterInstance[];
  /** spec.replicas. */
  desired: number;
  /** The revision new and updated instances must carry. */
  updateRevision: string;
  /** How many instances above `desired` may exist during a rollout (0: update in place). */
  maxSurge: number;
  /** How many of `desired` may be out of service at once. */
  maxUnavailable: number;
  /** Weighted topologies to spread new instances over; empty or absent: no topology. */
  spread?: readonly SpreadTopology[];
  /** Instances the user named for removal: removed first on scale-in, never taken back on scale-out. */
  chosenForRemoval?: readonly string[];
  /**
   * Names held outside the instance list (Pods, PVCs by instance label, data-plane members, reservations):
   * never given to a new instance. The names of `instances` are always taken.
   */
  takenNames?: Iterable<string>;
  /**
   * Active instances that failed over (`replace` mode): kept, each with one more instance serving in its place.
   * Names that are not active instances are ignored.
   */
  failed?: readonly string[];
}

/** Why the updater stops for now; the reconciler reports it and waits for the next change. */
export type WaitReason =
  /** Touching the next instance would leave fewer than desired - maxUnavailable available. */
  | 'AvailabilityLimit'
  /** Every instance is at the update revision; some are not available yet. */
  | 'UpdatedNotAvailable';

export type UpdaterAction =
  /** Delete the CR of an instance whose safe removal finished. */
  | { kind: 'delete'; name: string }
  /** Cancel the removal in progress of this instance; it serves again. */
  | { kind: 'cancelRemoval'; name: string }
  /** Create an instance at the update revision with this name, pinned to `topology` when set. */
  | { kind: 'scaleOut'; name: string; topology?: Topology }
  /** Move this instance to the update revision (same name, same topology). */
  | { kind: 'update'; name: string }
  /** Mark this instance for safe removal (the plugin's scale-in protocol runs, cancellable until it ends). */
  | { kind: 'scaleIn'; name: string }
  /** Stop here; nothing more may happen until the state changes. Always the last action. */
  | { kind: 'wait'; reason: WaitReason; message: string };

/** The observed state in numbers, for the group status. */
export interface UpdaterCounts {
  desired: number;
  /** Active instances (the group's current replicas). */
  active: number;
  /** Active instances at the update revision. */
  updated: number;
  /** Active instances at another revision. */
  outdated: number;
  /** Active instances that are available. */
  available: number;
  /** Active instances at the update revision that are available. */
  updatedAvailable: number;
  removing: number;
  removed: number;
  /** True when the active instances besides the failed ones are exactly `desired`, all at the update revision. */
  allUpdated: boolean;
}

export interface UpdatePlan {
  actions: UpdaterAction[];
  counts: UpdaterCounts;
}

interface Working extends UpdaterInstance {
  updated: boolean;
}

/**
 * Decides the next rollout actions for a group: which instances to delete, take back, create, update or mark
 * for removal, in order, as far as maxSurge and maxUnavailable allow in one pass, ending with a wait when the
 * limits stop it (see the module comment for the arithmetic, `disruptionOrder` for which instance is chosen).
 */
export function planUpdate(input: UpdaterInput): UpdatePlan {
  const desired = Math.max(0, Math.floor(input.desired));
  const maxSurge = Math.max(0, Math.floor(input.maxSurge));
  const maxUnavailable = Math.max(0, Math.floor(input.maxUnavailable));
  const spread = input.spread ?? [];
  const chosen = new Set(input.chosenForRemoval ?? []);
  const taken = new Set([...(input.takenNames ?? []), ...input.instances.map((i) => i.name)]);

  const working = (lifecycle: UpdaterInstance['lifecycle']): Working[] =>
    input.instances
      .filter((i) => i.lifecycle === lifecycle)
      .map((i) => ({ ...i, updated: i.revision === input.updateRevision }));
  const active = working('active');
  const removing = working('removing');
  const removed = working('removed');

  const failed = new Set((input.failed ?? []).filter((name) => active.some((i) => i.name === name)));
  const counts = countsOf(desired, active, removing.length, removed.length, failed);
  // Instances the group keeps: desired, plus one per failed instance still among the active ones.
  const wanted = () => desired + failed.size;
  const actions: UpdaterAction[] = removed
    .map((i) => i.name)
    .sort()
    .map((name) => ({ kind: 'delete', name }));

  const context = (): SelectionContext => ({ group: input.group, spread, population: active, chosen });
  const availableCount = () => active.filter((i) => i.available).length;
  const minimum = desired - maxUnavailable;
  const limitMessage = (verb: string, name: string) => {
    const down = active.filter((i) => !i.available).map((i) => i.name);
    return (
      `${verb} ${name} waits: ${availableCount()} of ${desired} desired instances available` +
      (down.length > 0 ? ` (not available: ${down.sort().join(', ')})` : '') +
      `, at least ${Math.max(0, minimum)} must stay available` +
      (maxSurge === 0 && maxUnavailable === 0 ? '; maxSurge and maxUnavailable are both 0, raise one of them' : '')
    );
  };

  // Takes `target` out of service if the availability floor allows; false (after adding a wait) otherwise.
  const disrupt = (target: Working, verb: string): boolean => {
    if (target.available && availableCount() - 1 < minimum) {
      actions.push({ kind: 'wait', reason: 'AvailabilityLimit', message: limitMessage(verb, target.name) });
      return false;
    }
    return true;
  };
  const scaleIn = (target: Working): boolean => {
    if (!disrupt(target, 'scale-in of')) return false;
    active.splice(active.indexOf(target), 1);
    failed.delete(target.name);
    actions.push({ kind: 'scaleIn', name: target.name });
    return true;
  };

  for (;;) {
    const updated = active.filter((i) => i.updated);
    const outdated = active.filter((i) => !i.updated);
    if (updated.length === wanted() && outdated.length === 0) break;
    const maximum = wanted() + Math.min(maxSurge, outdated.length);

    if (active.length < maximum) {
      const revival =
        active.length < wanted()
          ? pickForRevival(removing, { ...context(), updateRevision: input.updateRevision })
          : undefined;
      if (revival) {
        removing.splice(removing.indexOf(revival), 1);
        active.push(revival);
        actions.push({ kind: 'cancelRemoval', name: revival.name });
        continue;
      }
      const [name] = allocateNames(input.group, 1, taken) as [string];
      taken.add(name);
      const topology = nextTopologyToAdd(
        spread,
        active.map((i) => i.topology),
        updated.map((i) => i.topology),
      );
      active.push({
        name,
        revision: input.updateRevision,
        lifecycle: 'active',
        running: false,
        available: false,
        topology,
        updated: true,
      });
      actions.push(topology ? { kind: 'scaleOut', name, topology } : { kind: 'scaleOut', name });
      continue;
    }

    if (active.length === maximum && updated.length < wanted()) {
      // An unavailable outdated instance is updated first whatever the chain says: that costs no availability.
      const unavailable = outdated.filter((i) => !i.available);
      const target = pickForDisruption(unavailable.length > 0 ? unavailable : outdated, context());
      if (!target || !disrupt(target, 'update of')) break;
      target.updated = true;
      target.revision = input.updateRevision;
      target.available = false;
      actions.push({ kind: 'update', name: target.name });
      continue;
    }

    // Too many instances: the surge is done (outdated ones go) or replicas were lowered.
    const pool = updated.length > wanted() ? updated : outdated;
    const target = pickForDisruption(pool, context());
    if (!target || !scaleIn(target)) break;
  }

  const last = actions[actions.length - 1];
  if (last?.kind !== 'wait') {
    // Failed instances are known to be down: waiting for them would hold the group up for nothing.
    const notAvailable = active.filter((i) => i.updated && !i.available && !failed.has(i.name)).map((i) => i.name);
    if (notAvailable.length > 0) {
      actions.push({
        kind: 'wait',
        reason: 'UpdatedNotAvailable',
        message: `waiting for ${notAvailable.sort().join(', ')} to become available`,
      });
    }
  }
  return { actions, counts };
}

function countsOf(
  desired: number,
  active: Working[],
  removing: number,
  removed: number,
  failed: ReadonlySet<string>,
): UpdaterCounts {
  const updated = active.filter((i) => i.updated);
  const serving = active.filter((i) => !failed.has(i.name));
  return {
    desired,
    active: active.length,
    updated: updated.length,
    outdated: active.length - updated.length,
    available: active.filter((i) => i.available).length,
    updatedAvailable: updated.filter((i) => i.available).length,
    removing,
    removed,
    allUpdated: serving.length === desired && serving.every((i) => i.updated),
  };
}
