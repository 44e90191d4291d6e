// PD's restart protocol, before the core deletes the Pod for a recreation (upgrade, config change, restart):
//
//   transfer PD leader   a leader hands PD leadership to the healthiest up-to-date peer first and waits until
//                        PD shows the new leader (the group also restarts the leader last: disruptionCost)
//   keep PD quorum       a healthy member restarts only when the other healthy members still make a quorum
//
// After the restart nothing needs undoing: the member rejoins with its data, and the group waits for it to be
// Ready (member healthy, /pd/api/v2/ready) before it restarts the next one.
import { complete, retry, type TaskResult } from '../../../core/tasks/result.ts';
import { type Task, task } from '../../../core/tasks/task.ts';
import { isFresh, isPodReady } from '../health.ts';
import { RECHECK_MS, transferLeadership } from './leadership.ts';
import { currentView, type PdAccess, type PdContext } from './pd-access.ts';
import { type MemberHealth, memberHealth, quorumOf } from './quorum.ts';

export const restartSteps = {
  transferLeader: 'transfer PD leader',
  keepQuorum: 'keep PD quorum',
} as const;

export type RestartQuorumVerdict = { ok: true; reason: string } | { ok: false; reason: string };

/**
 * Whether `self` may stop now without taking PD below quorum: an unhealthy member (or one PD does not list)
 * costs nothing; a healthy one needs the other healthy members to be a quorum of all members. A PD that has no
 * leader has no quorum to keep, and its restart may be the repair.
 */
export function restartKeepsQuorum(
  self: string,
  members: readonly MemberHealth[],
  hasLeader: boolean,
): RestartQuorumVerdict {
  const me = members.find((m) => m.name === self);
  if (!me) return { ok: true, reason: 'PD does not list the member' };
  if (!me.healthy) return { ok: true, reason: 'the member is not healthy: stopping it changes nothing' };
  if (!hasLeader) return { ok: true, reason: 'PD has no leader: there is no quorum to keep' };
  const healthyOthers = members.filter((m) => m.name !== self && m.healthy).length;
  const needed = quorumOf(members.length);
  if (healthyOthers >= needed) return { ok: true, reason: `${healthyOthers} other members stay healthy` };
  return {
    ok: false,
    reason: `restarting ${self} would leave ${healthyOthers} of ${members.length} PD members healthy; PD needs ${needed}`,
  };
}

export function pdRestartSteps(access: PdAccess): Task<PdContext>[] {
  return [
    task<PdContext>(restartSteps.transferLeader, (ctx) => transferLeadership(access, ctx, 'restart')),
    task<PdContext>(restartSteps.keepQuorum, (ctx) => keepQuorum(access, ctx)),
  ];
}

function keepQuorum(access: PdAccess, ctx: PdContext): TaskResult {
  const { snapshot } = currentView(access, ctx);
  if (!isFresh(snapshot)) {
    // Without PD's view only a Pod that serves nothing anyway may go (PD without quorum answers nothing; the
    // restart of a broken member may be the repair).
    return isPodReady(ctx.pod)
      ? retry(RECHECK_MS, `PD does not answer${snapshot?.error ? ` (${snapshot.error})` : ''}: the restart waits`)
      : complete('PD does not answer and the Pod is not ready');
  }
  // Its own readiness does not count: it is the one about to stop.
  const members = memberHealth(snapshot.members.values(), ctx.peers, ctx.instance.metadata.name);
  const verdict = restartKeepsQuorum(ctx.instance.metadata.name, members, snapshot.leader !== undefined);
  return verdict.ok ? complete(verdict.reason) : retry(RECHECK_MS, verdict.reason);
}
