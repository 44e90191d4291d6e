// Moving PD leadership away from a member before it stops (restart or removal): which peer takes it over, and
// the step that asks PD to transfer it and waits until the state source shows another leader. A PD leader that
// just stops costs an election (seconds without TSO); a transfer costs nothing.
import { labelKeys } from '../../../core/api/labels.ts';
import type { InstanceObject } from '../../../core/plugin/contract.ts';
import { getCondition } from '../../../core/tasks/conditions.ts';
import { complete, retry, type TaskResult, wait } from '../../../core/tasks/result.ts';
import type { MemberView } from '../client/snapshot.ts';
import { isFresh } from '../health.ts';
import {
  BUSY_MS,
  currentView,
  type PdAccess,
  type PdContext,
  pdClientOf,
  pdSourceOf,
  recordEvent,
} from './pd-access.ts';

/** A member that could take PD leadership over. */
export interface LeaderCandidate {
  name: string;
  healthy: boolean;
  /** Its instance runs the revision the group is rolling out (so it will not restart next). */
  upToDate: boolean;
  /** Since when its instance has been Ready (ms); undefined: not Ready, or not an instance of this group. */
  readySinceMs: number | undefined;
}

/**
 * The healthiest up-to-date peer: healthy, then on the update revision, then Ready the longest (the most
 * proven), then by name. Undefined when no other member is healthy.
 */
export function chooseLeaderTarget(self: string, candidates: readonly LeaderCandidate[]): string | undefined {
  const eligible = candidates.filter((c) => c.name !== self && c.healthy);
  eligible.sort((a, b) => {
    if (a.upToDate !== b.upToDate) return a.upToDate ? -1 : 1;
    const at = a.readySinceMs ?? Number.POSITIVE_INFINITY;
    const bt = b.readySinceMs ?? Number.POSITIVE_INFINITY;
    if (at !== bt) return at - bt;
    return a.name.localeCompare(b.name);
  });
  return eligible[0]?.name;
}

/** The candidates: every PD member, with the facts of its instance when it is a peer in this group. */
export function leaderCandidates(
  members: Iterable<MemberView>,
  peers: readonly InstanceObject[],
  updateRevision: string | undefined,
): LeaderCandidate[] {
  const byName = new Map(peers.map((p) => [p.metadata.name, p]));
  return [...members].map((m) => {
    const peer = byName.get(m.name);
    const status = (peer?.status ?? {}) as { currentRevision?: string; conditions?: [] };
    const revision = peer?.metadata.labels?.[labelKeys.instanceRevisionHash];
    const ready = getCondition(status.conditions, 'Ready');
    const since = ready?.status === 'True' ? Date.parse(ready.lastTransitionTime) : Number.NaN;
    return {
      name: m.name,
      healthy: m.health,
      upToDate:
        peer !== undefined &&
        peer.metadata.deletionTimestamp === undefined &&
        revision !== undefined &&
        (updateRevision === undefined || revision === updateRevision) &&
        status.currentRevision === revision,
      readySinceMs: Number.isNaN(since) ? undefined : since,
    };
  });
}

/** The revision the group rolls out: the group's update revision, else this instance's own. */
function updateRevisionOf(ctx: PdContext): string | undefined {
  const fromGroup = (ctx.group?.status as { updateRevision?: string } | undefined)?.updateRevision;
  return fromGroup ?? ctx.instance.metadata.labels?.[labelKeys.instanceRevisionHash];
}

/** Waits on other members (their changes wake only them): look again after this long. */
export const RECHECK_MS = 2_000;

/**
 * Step `transfer PD leader`: nothing to do unless this member leads. Then: move leadership to the chosen peer
 * and wait until the state source shows another leader; with no other member there is nothing to move to (the
 * only member), with no healthy one the step waits.
 */
export async function transferLeadership(access: PdAccess, ctx: PdContext, why: string): Promise<TaskResult> {
  const view = currentView(access, ctx);
  const snapshot = view.snapshot;
  const self = ctx.instance.metadata.name;
  // Without a fresh view nothing is known to lead; the quorum steps decide whether the member may stop anyway.
  if (!isFresh(snapshot) || snapshot.leader !== self) return complete();
  const others = [...snapshot.members.values()].filter((m) => m.name !== self);
  if (others.length === 0) return complete('the only PD member: no other member to lead');
  const target = chooseLeaderTarget(
    self,
    leaderCandidates(snapshot.members.values(), ctx.peers, updateRevisionOf(ctx)),
  );
  const source = pdSourceOf(access, ctx.cluster);
  source?.markBusy(BUSY_MS);
  if (target === undefined) {
    return retry(RECHECK_MS, `${self} leads PD and no other member is healthy to take over before the ${why}`);
  }
  const client = pdClientOf(access, ctx.cluster);
  if (!client) return wait('the Cluster publishes no PD URL');
  try {
    await client.transferLeader(target);
  } catch (error) {
    // Not retried by the client (a transfer is not idempotent): decide again on fresh state.
    source?.refresh();
    return retry(RECHECK_MS, `transferring PD leadership to ${target} failed: ${(error as Error).message}`);
  }
  recordEvent(
    ctx,
    'Normal',
    'TransferPDLeader',
    'TransferLeader',
    `PD leadership moves to ${target} before the ${why}`,
  );
  ctx.logger.info('PD leader transfer', { from: self, to: target, why });
  // The state source re-reads PD after the write and reports the new leader (this member is among the changed
  // ones); the retry only covers a transfer PD accepted but did not carry out.
  return retry(5_000, `waiting for ${target} to take PD leadership over`);
}
