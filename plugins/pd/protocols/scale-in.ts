// PD's scale-in (mode `delete`): the group deletes the instance, and its finalizer runs these steps before the
// core removes the Pod, the ConfigMap and the PVCs:
//
//   transfer PD leader         a leader hands leadership to the healthiest up-to-date peer first
//   keep PD quorum             the remaining members keep a healthy quorum without this one
//   delete member in PD        DELETE /pd/api/v1/members/name/<name> (404: already gone)
//   wait for member removal    until the state source no longer lists the member
//
// Before that, the group asks `mayRemove`: never below a healthy quorum of the remaining members, never the last
// member. A refusal becomes the group's ScaleInRefused condition and a Warning event; nothing is deleted.
import type { InstanceObject } from '../../../core/plugin/contract.ts';
import { complete, retry, type TaskResult, wait } from '../../../core/tasks/result.ts';
import { type Task, task } from '../../../core/tasks/task.ts';
import type { PdSnapshot } from '../client/snapshot.ts';
import { isFresh, wasInitialized } from '../health.ts';
import { RECHECK_MS, transferLeadership } from './leadership.ts';
import {
  BUSY_MS,
  currentView,
  type PdAccess,
  type PdContext,
  pdClientOf,
  pdSourceOf,
  recordEvent,
} from './pd-access.ts';
import { type MemberHealth, memberHealth, quorumOf } from './quorum.ts';

export const scaleInSteps = {
  transferLeader: 'transfer PD leader',
  keepQuorum: 'keep PD quorum',
  deleteMember: 'delete member in PD',
  waitForRemoval: 'wait for member removal',
} as const;

export type Verdict = { ok: true } | { ok: false; reason: string };

export interface RemovalInput {
  /** Every member PD lists (of every PD group: the quorum is the cluster's). */
  members: readonly MemberHealth[];
  /** Members already on their way out (their instances are being deleted). */
  leaving: readonly string[];
  /**
   * The members the group wants to remove now, or only how many: then the worst case is assumed (healthy
   * members go first, which leaves the fewest healthy ones).
   */
  removing: readonly string[] | number;
}

/** May these members leave together? Never below a healthy quorum of the rest, never the last member. */
export function mayRemoveMembers(input: RemovalInput): Verdict {
  const present = new Set(input.members.map((m) => m.name));
  const gone = new Set(input.leaving.filter((n) => present.has(n)));
  if (typeof input.removing === 'number') {
    const order = [...input.members]
      .filter((m) => !gone.has(m.name))
      .sort((a, b) => Number(b.healthy) - Number(a.healthy));
    for (const m of order.slice(0, input.removing)) gone.add(m.name);
  } else {
    for (const name of input.removing) if (present.has(name)) gone.add(name);
  }
  const remaining = input.members.filter((m) => !gone.has(m.name));
  const what =
    typeof input.removing === 'number'
      ? `removing ${input.removing} member${input.removing === 1 ? '' : 's'}`
      : `removing ${input.removing.join(', ')}`;
  if (remaining.length === 0) {
    return { ok: false, reason: `${what} would leave no PD member: a PD group keeps at least one` };
  }
  const healthy = remaining.filter((m) => m.healthy).length;
  const needed = quorumOf(remaining.length);
  if (healthy < needed) {
    return {
      ok: false,
      reason: `${what} would leave ${healthy} healthy of ${remaining.length} PD members; a quorum needs ${needed}`,
    };
  }
  return { ok: true };
}

/** Members of the group named `<group>-<ordinal>` that have no active instance: their removal runs. */
export function leavingMembers(snapshot: PdSnapshot, group: string, active: readonly InstanceObject[]): string[] {
  const pattern = new RegExp(`^${group.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-[0-9]+$`);
  const activeNames = new Set(active.map((i) => i.metadata.name));
  return [...snapshot.members.keys()].filter((name) => pattern.test(name) && !activeNames.has(name));
}

export type MemberRemoval =
  /** Nothing left to do in PD. */
  | { kind: 'done'; reason: string }
  | { kind: 'wait'; reason: string }
  /** Delete the member now. */
  | { kind: 'delete' };

/** What the removal of `self` needs next, after leadership moved away. */
export function decideMemberRemoval(self: string, members: readonly MemberHealth[]): MemberRemoval {
  if (!members.some((m) => m.name === self)) return { kind: 'done', reason: 'PD does not list the member' };
  if (members.length === 1) {
    // Deleting the only member would leave no PD; the group (or the Cluster) is going away with it.
    return { kind: 'done', reason: 'the last PD member is not removed from PD' };
  }
  const others = members.filter((m) => m.name !== self);
  const healthy = others.filter((m) => m.healthy).length;
  const needed = quorumOf(others.length);
  if (healthy < needed) {
    return {
      kind: 'wait',
      reason: `without ${self} ${healthy} of ${others.length} PD members are healthy; a quorum needs ${needed}`,
    };
  }
  return { kind: 'delete' };
}

export function pdScaleInSteps(access: PdAccess): Task<PdContext>[] {
  return [
    task<PdContext>(scaleInSteps.transferLeader, (ctx) =>
      known(access, ctx, () => transferLeadership(access, ctx, 'removal')),
    ),
    task<PdContext>(scaleInSteps.keepQuorum, (ctx) =>
      known(access, ctx, (members) => {
        const removal = decideMemberRemoval(ctx.instance.metadata.name, members);
        return removal.kind === 'wait' ? retry(RECHECK_MS, removal.reason) : complete();
      }),
    ),
    task<PdContext>(scaleInSteps.deleteMember, (ctx) =>
      known(access, ctx, (members) => deleteMember(access, ctx, members)),
    ),
    task<PdContext>(scaleInSteps.waitForRemoval, (ctx) =>
      known(access, ctx, (members) => {
        const removal = decideMemberRemoval(ctx.instance.metadata.name, members);
        if (removal.kind === 'done') return complete(removal.reason);
        pdSourceOf(access, ctx.cluster)?.markBusy(BUSY_MS);
        return wait('PD still lists the member');
      }),
    ),
  ];
}

/**
 * Runs `then` with PD's members once PD's state is known. Without it the removal waits, unless the instance never
 * was a member of a PD cluster that never answered: then there is nothing in PD to remove.
 */
async function known(
  access: PdAccess,
  ctx: PdContext,
  then: (members: MemberHealth[]) => TaskResult | Promise<TaskResult>,
): Promise<TaskResult> {
  const view = currentView(access, ctx);
  if (!isFresh(view.snapshot)) {
    if (!view.snapshot?.synced && !wasInitialized(ctx.instance, view) && !ctx.cluster.status?.id) {
      return complete('never a member of a PD cluster');
    }
    return retry(RECHECK_MS, 'PD does not answer: the member is removed from PD once it does');
  }
  return then(memberHealth(view.snapshot.members.values(), ctx.peers, ctx.instance.metadata.name));
}

async function deleteMember(access: PdAccess, ctx: PdContext, members: MemberHealth[]): Promise<TaskResult> {
  const name = ctx.instance.metadata.name;
  const removal = decideMemberRemoval(name, members);
  if (removal.kind === 'done') return complete(removal.reason);
  if (removal.kind === 'wait') return retry(RECHECK_MS, removal.reason);
  const client = pdClientOf(access, ctx.cluster);
  if (!client) return wait('the Cluster publishes no PD URL');
  pdSourceOf(access, ctx.cluster)?.markBusy(BUSY_MS);
  const deleted = await client.deleteMemberByName(name);
  if (deleted) {
    recordEvent(ctx, 'Normal', 'DeletedPDMember', 'DeleteMember', `member ${name} deleted from PD`);
    ctx.logger.info('PD member deleted', { member: name });
  }
  return complete(deleted ? 'deleted' : 'PD no longer knows the member');
}
