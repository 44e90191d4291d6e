// PD's part of failover (core/failover, docs/operations.md "Failover"). The mode is `recreateEmpty`: a member
// unhealthy longer than the group's period is deleted from PD (the same steps as a scale-in: transfer PD leader,
// keep PD quorum, delete member in PD, wait for member removal), then its Pod and PVCs are deleted and it starts
// again empty under its old name; having been a member, it renders `join` (bootstrap.ts rule 2) and PD admits it
// as a new member. One member at a time (the core waits while another is being recreated or rejoining), and only
// while the other members keep a healthy quorum without it.
//
//   PD's view               data-plane state
//   not read / stale        unknown  (PD without quorum answers nothing: no member is judged, none removed)
//   member not listed       disconnected (joining, or just deleted for its recreation)
//   member unhealthy        down
//   member healthy          up
import type { DataPlaneState, FailoverProtocol } from '../../core/plugin/contract.ts';
import type { PdSnapshot } from './client/snapshot.ts';
import { isFresh, type PdView } from './health.ts';
import type { PdAccess } from './protocols/pd-access.ts';
import { memberHealth } from './protocols/quorum.ts';
import { leavingMembers, mayRemoveMembers, pdScaleInSteps, type Verdict } from './protocols/scale-in.ts';

export function pdDataPlaneState(view: PdView): DataPlaneState {
  if (!isFresh(view.snapshot)) return { state: 'unknown', message: 'PD does not answer: the member cannot be judged' };
  const member = view.member;
  if (!member) return { state: 'disconnected', message: 'PD does not list the member' };
  if (!member.health) return { state: 'down', message: `PD reports member ${member.id} unhealthy` };
  return { state: 'up', message: `member ${member.id} is healthy` };
}

/** May `failing` be deleted from PD and recreated now: the others keep a healthy quorum without it. */
export function mayRecreateMember(
  snapshot: PdSnapshot | undefined,
  input: Parameters<NonNullable<FailoverProtocol<PdView>['mayFailover']>>[0],
): Verdict {
  if (!isFresh(snapshot)) return { ok: false, reason: 'PD does not answer: its quorum cannot be checked' };
  // A member PD does not list (its volume stranded before it ever joined) leaves no quorum to protect: the check
  // below then only counts the others.
  return mayRemoveMembers({
    members: memberHealth(snapshot.members.values(), input.instances),
    leaving: leavingMembers(snapshot, input.group.metadata.name, input.instances),
    removing: [input.failing],
  });
}

export function pdFailover(access: PdAccess): FailoverProtocol<PdView> {
  return {
    mode: 'recreateEmpty',
    mayFailover: (ctx) => mayRecreateMember(access.pdStates.sourceOf(ctx.cluster)?.snapshot(), ctx),
    forgetSteps: pdScaleInSteps(access),
  };
}
