// The failover decision of one group (pure): which instance fails over now, which failed ones recovered, how many
// extra instances the group keeps, and which instance leaves first once there is one too many. The group
// reconciler applies it (annotations on instances) and hands `failed` and `preferForRemoval` to the updater.
//
// Rules, for an active instance that is down (its `status.downSince` is set, see core/failover/health.ts):
//   - it fails over only when it has been down for at least the period, counted from `downSince` (so also never
//     when it was healthy less than a period ago);
//   - never while the operator recreates its Pod (Synced=False, PodNotUpToDate): that is a restart, not a failure;
//   - never while the plugin's `mayFailover` refuses (TiKV: PD unhealthy or without quorum; PD: the others would
//     lose quorum);
//   - one instance per decision; the group applies it and decides again on the next reconcile;
//   - `replace`: never more than `maxFailovers` failed instances at once (marked and still active). A marked
//     instance that is Healthy again recovers: its mark goes, whether failover is still enabled or not. Its
//     replacement is then preferred for removal, unless the user chose either of the two for removal (the
//     `tikv.org/priority: "0"` annotation or the group's `tikv.org/remove-instances` list);
//   - `recreateEmpty`: one recreation at a time: none while an instance carries the mark, or while another active
//     instance is unhealthy without being down (starting, restarting, or just recreated and joining again).
// Disabling failover stops new failovers; instances already failed keep their replacements until they recover or
// are deleted.
import type { FailoverSettings } from '../api/failover.ts';
import type { InstanceLifecycle } from '../updater/state.ts';

export type FailoverMode = 'replace' | 'recreateEmpty';

/** How soon a refused failover is asked again at the latest. */
export const REFUSAL_RECHECK_MS = 30_000;

/** What the decision reads from one instance CR (see core/reconcilers/group/failover.ts). */
export interface FailoverInstance {
  name: string;
  lifecycle: InstanceLifecycle;
  /** metadata.creationTimestamp. */
  createdMs: number;
  /** Condition Healthy is True. */
  healthy: boolean;
  /** status.downSince. */
  downSinceMs?: number;
  /** The operator is recreating its Pod (a restart or an update). */
  restarting: boolean;
  /** `replace`: the instance carries `tikv.org/failed-since`. */
  failedSinceMs?: number;
  /** `replace`: the instance carries `tikv.org/replacement-for` (the failed instance it was created for). */
  replacementFor?: string;
  /** `recreateEmpty`: the instance carries `tikv.org/recreate-empty`. */
  recreating: boolean;
}

export type Verdict = { ok: true } | { ok: false; reason: string };

export interface FailoverInput {
  /** The plugin's failover mode; undefined when the plugin does not support failover. */
  mode: FailoverMode | undefined;
  settings: FailoverSettings;
  nowMs: number;
  /** Every instance CR of the group (deleting ones included). */
  instances: readonly FailoverInstance[];
  /** The user's explicit choice for removal (priority 0, the group's remove list). */
  chosenForRemoval: readonly string[];
  /** The plugin's gate; asked only for the instance that is due. */
  mayFailover(name: string): Verdict;
}

export const failoverReasons = {
  /** `spec.failover.enabled` is false. */
  Disabled: 'Disabled',
  /** The component's plugin has no failover protocol. */
  NotSupported: 'NotSupported',
  NoFailure: 'NoFailure',
  /** Down instances whose period has not passed yet, or whose Pod the operator is recreating. */
  Waiting: 'Waiting',
  /** The plugin refused (`mayFailover`). */
  Refused: 'Refused',
  MaxFailoversReached: 'MaxFailoversReached',
  /** Failed instances are replaced (`replace`) or one is being recreated (`recreateEmpty`). */
  FailedOver: 'FailedOver',
} as const;
export type FailoverReason = (typeof failoverReasons)[keyof typeof failoverReasons];

export interface FailoverCondition {
  status: 'True' | 'False';
  reason: FailoverReason;
  message: string;
}

export interface FailoverDecision {
  /** The instance to fail over now (mark it). */
  fail?: { name: string; downSinceMs: number };
  /** `replace`: failed instances that are healthy again; their mark goes. */
  recovered: string[];
  /** `replace`: the active failed instances after this decision: the group keeps that many instances more. */
  failed: string[];
  /** `replace`: failed instances without a replacement yet: the next created instances are theirs. */
  unreplaced: string[];
  /** `replace`: replacements whose failed instance recovered: they leave first when there is one too many. */
  preferForRemoval: string[];
  /** When the next down instance's period runs out. */
  recheckAfterMs?: number;
  condition: FailoverCondition;
}

export function decideFailover(input: FailoverInput): FailoverDecision {
  const { settings, nowMs, mode } = input;
  const active = input.instances.filter((i) => i.lifecycle === 'active');
  const byName = new Map(input.instances.map((i) => [i.name, i]));
  const replace = mode === 'replace';

  // Marks first: they hold whatever the settings say now.
  const marked = replace ? active.filter((i) => i.failedSinceMs !== undefined) : [];
  const recovered = marked.filter((i) => i.healthy).map((i) => i.name);
  const failed = marked.filter((i) => !i.healthy).map((i) => i.name);
  const recreating = mode === 'recreateEmpty' ? active.filter((i) => i.recreating).map((i) => i.name) : [];

  const down = active.filter((i) => i.downSinceMs !== undefined && !i.healthy);
  const candidates = down
    .filter((i) => !failed.includes(i.name) && !recreating.includes(i.name))
    .sort((a, b) => (a.downSinceMs as number) - (b.downSinceMs as number) || a.name.localeCompare(b.name));
  const dueAt = (i: FailoverInstance) => (i.downSinceMs as number) + settings.periodMs;
  const due = candidates.filter((i) => !i.restarting && dueAt(i) <= nowMs);
  const notDue = candidates.filter((i) => !i.restarting && dueAt(i) > nowMs);
  const restarting = candidates.filter((i) => i.restarting);

  const decision: FailoverDecision = {
    recovered,
    failed,
    unreplaced: [],
    preferForRemoval: [],
    condition: { status: 'False', reason: failoverReasons.NoFailure, message: 'no instance is down' },
  };
  const downList = (list: readonly FailoverInstance[]) =>
    list.map((i) => `${i.name} (down since ${iso(i.downSinceMs as number)})`).join(', ');

  let blocked: FailoverCondition | undefined;
  if (!settings.enabled || mode === undefined) {
    const reason = mode === undefined && settings.enabled ? failoverReasons.NotSupported : failoverReasons.Disabled;
    const what =
      reason === failoverReasons.Disabled ? 'failover is disabled' : 'this component does not support failover';
    decision.condition = {
      status: 'False',
      reason,
      message: candidates.length > 0 ? `${what}; down: ${downList(candidates)}` : what,
    };
  } else if (due.length > 0) {
    const first = due[0] as FailoverInstance;
    const inProgress = recreating.length > 0 || (mode === 'recreateEmpty' && othersStarting(active, first));
    if (replace && failed.length >= settings.maxFailovers) {
      blocked = {
        status: failed.length > 0 ? 'True' : 'False',
        reason: failoverReasons.MaxFailoversReached,
        message: `${downList(due)} should fail over, but ${failed.length} of at most ${settings.maxFailovers} failed instances are replaced already (${failed.join(', ') || 'none'})`,
      };
    } else if (!inProgress) {
      const verdict = input.mayFailover(first.name);
      if (verdict.ok) decision.fail = { name: first.name, downSinceMs: first.downSinceMs as number };
      else {
        blocked = {
          status: failed.length > 0 || recreating.length > 0 ? 'True' : 'False',
          reason: failoverReasons.Refused,
          message: `${first.name} should fail over (down since ${iso(first.downSinceMs as number)}), refused: ${verdict.reason}`,
        };
      }
    }
  }
  if (settings.enabled && mode !== undefined) {
    const rechecks = notDue.map((i) => dueAt(i) - nowMs);
    // A refusal may end without any event the group sees (PD regaining quorum): ask again, at most every 30 s.
    if (blocked?.reason === failoverReasons.Refused) rechecks.push(Math.min(settings.periodMs, REFUSAL_RECHECK_MS));
    if (rechecks.length > 0) decision.recheckAfterMs = Math.max(1, Math.min(...rechecks));
  }

  if (decision.fail && replace) decision.failed = [...failed, decision.fail.name];
  const nowRecreating = decision.fail && !replace ? [...recreating, decision.fail.name] : recreating;

  const replacedBy = new Map<string, string>();
  if (replace) {
    // A replacement is live when it exists (not deleting) and was created after the instance it replaces (a name
    // reused by a later instance is not the same failed instance).
    const replacementOf = (failedName: string) =>
      input.instances.find((r) => {
        const original = byName.get(failedName);
        return (
          r.replacementFor === failedName &&
          r.lifecycle !== 'deleting' &&
          original !== undefined &&
          r.createdMs >= original.createdMs &&
          r.name !== failedName
        );
      });
    for (const name of decision.failed) {
      const replacement = replacementOf(name);
      if (replacement) replacedBy.set(name, replacement.name);
    }
    decision.unreplaced = decision.failed.filter((name) => !replacedBy.has(name));
    const chosen = new Set(input.chosenForRemoval);
    for (const r of active) {
      if (r.replacementFor === undefined) continue;
      const original = byName.get(r.replacementFor);
      if (original?.lifecycle !== 'active' || original.createdMs > r.createdMs) continue;
      if (decision.failed.includes(original.name)) continue;
      if (chosen.has(original.name) || chosen.has(r.name)) continue;
      decision.preferForRemoval.push(r.name);
    }
    decision.preferForRemoval.sort();
  }

  if (settings.enabled && mode !== undefined) {
    const outstanding = replace ? decision.failed : nowRecreating;
    if (blocked) decision.condition = blocked;
    else if (outstanding.length > 0) {
      decision.condition = {
        status: 'True',
        reason: failoverReasons.FailedOver,
        message: replace
          ? `failed over: ${outstanding.map((n) => `${n} (replaced by ${replacedBy.get(n) ?? 'a new instance'})`).join(', ')}; ${outstanding.length} of at most ${settings.maxFailovers}`
          : `recreating empty: ${outstanding.join(', ')}`,
      };
    } else if (candidates.length > 0) {
      const parts: string[] = [];
      if (notDue.length > 0) {
        parts.push(
          notDue
            .map((i) => `${i.name} is down since ${iso(i.downSinceMs as number)}, fails over at ${iso(dueAt(i))}`)
            .join('; '),
        );
      }
      if (restarting.length > 0) {
        parts.push(`${restarting.map((i) => i.name).join(', ')}: down while the operator recreates its Pod`);
      }
      if (due.length > 0) parts.push(`${due.map((i) => i.name).join(', ')}: waits for the instances starting now`);
      decision.condition = { status: 'False', reason: failoverReasons.Waiting, message: parts.join('; ') };
    }
  }
  return decision;
}

/** `recreateEmpty`: another active instance is unhealthy without being down (starting, restarting, rejoining). */
function othersStarting(active: readonly FailoverInstance[], candidate: FailoverInstance): boolean {
  return active.some((i) => i.name !== candidate.name && !i.healthy && i.downSinceMs === undefined);
}

function iso(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}
