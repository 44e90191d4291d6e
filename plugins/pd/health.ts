// What a PD instance's reconcile knows of its member, and the verdicts on it (pure): whether the member serves
// (PD lists it healthy and /pd/api/v2/ready answered ready), what its status says (member id, leader flag) and its
// conditions Initialized (PD lists the member) and Leader.
import type { KubeObject } from '../../core/kube/object.ts';
import type { InstanceObject } from '../../core/plugin/contract.ts';
import { getCondition } from '../../core/tasks/conditions.ts';
import { pdConditionTypes } from './api.ts';
import type { MemberView, PdSnapshot } from './client/snapshot.ts';

/** A PD instance's view of PD, read from the shared state source at the start of a reconcile. */
export interface PdView {
  /** The cluster's PD state; undefined while nobody watches it (no `status.pd` yet). */
  snapshot: PdSnapshot | undefined;
  /** This instance's member (by name), when PD lists it. */
  member: MemberView | undefined;
}

export function pdView(snapshot: PdSnapshot | undefined, instanceName: string): PdView {
  return { snapshot, member: snapshot?.members.get(instanceName) };
}

/** The PD state has been read completely at least once (health and status show the last known state). */
export function isKnown(snapshot: PdSnapshot | undefined): snapshot is PdSnapshot & { synced: true } {
  return snapshot?.synced === true;
}

/**
 * The PD state is known and the last poll answered: what protocol decisions need. PD without a quorum answers
 * nothing, so its last known state may show a leader that is gone.
 */
export function isFresh(snapshot: PdSnapshot | undefined): snapshot is PdSnapshot & { synced: true; stale: false } {
  return snapshot?.synced === true && !snapshot.stale;
}

/** The Pod's Ready condition is True and it is not terminating. */
export function isPodReady(pod: KubeObject | undefined): boolean {
  const status = (pod as { status?: { conditions?: { type: string; status: string }[] } } | undefined)?.status;
  return (
    pod !== undefined &&
    pod.metadata.deletionTimestamp === undefined &&
    (status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
  );
}

/** PD has listed this member at least once: it has data (its instance status keeps the member id). */
export function wasInitialized(instance: InstanceObject, view: PdView): boolean {
  const status = (instance.status ?? {}) as { memberId?: unknown; conditions?: [] };
  return (
    view.member !== undefined ||
    typeof status.memberId === 'string' ||
    getCondition(status.conditions, pdConditionTypes.Initialized)?.status === 'True'
  );
}

export interface Health {
  healthy: boolean;
  reason: string;
}

/**
 * Whether the member serves. `ready`: /pd/api/v2/ready of this Pod (undefined: not asked yet). `last`: the verdict
 * the instance's Ready condition records; it stands while PD has not been read (an operator that just started), so
 * that a restart of the operator does not make every member look unavailable, which the updater would take as
 * "free to update" (it takes unavailable instances first).
 */
export function pdHealth(view: PdView, ready: boolean | undefined, last?: Health): Health {
  if (!isKnown(view.snapshot)) return last ?? { healthy: false, reason: 'PD has not answered yet' };
  const member = view.member;
  if (!member) return { healthy: false, reason: 'PD does not list the member yet' };
  if (!member.health) return { healthy: false, reason: `PD reports member ${member.id} unhealthy` };
  // The answer is cached per Pod in memory: after an operator restart a healthy member keeps its verdict until asked.
  if (ready === undefined) return last?.healthy ? last : { healthy: false, reason: 'waiting for /pd/api/v2/ready' };
  if (!ready) return { healthy: false, reason: 'PD has not loaded its regions yet (/pd/api/v2/ready)' };
  return { healthy: true, reason: member.leader ? 'the member is healthy and the PD leader' : 'the member is healthy' };
}

export interface ConditionSetting {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

export interface MemberReport {
  /** Status fields to write; empty while PD has not answered (the last known values stay). */
  statusPatch: { memberId?: string; isLeader?: boolean };
  conditions: ConditionSetting[];
}

/** Status fields and conditions for the member. Nothing changes while PD's state is unknown, except a first default. */
export function memberReport(view: PdView, hasInitializedCondition: boolean): MemberReport {
  if (!isKnown(view.snapshot)) {
    return {
      statusPatch: {},
      conditions: hasInitializedCondition
        ? []
        : [
            {
              type: pdConditionTypes.Initialized,
              status: 'Unknown',
              reason: 'PDNotReachable',
              message: 'PD has not answered yet',
            },
          ],
    };
  }
  const member = view.member;
  if (!member) {
    return {
      statusPatch: { isLeader: false },
      conditions: [
        {
          type: pdConditionTypes.Initialized,
          status: 'False',
          reason: 'NotAMember',
          message: 'PD does not list the member yet',
        },
        { type: pdConditionTypes.Leader, status: 'False', reason: 'NotAMember', message: 'not a PD member' },
      ],
    };
  }
  const clusterId = view.snapshot.clusterId;
  return {
    statusPatch: { memberId: member.id, isLeader: member.leader },
    conditions: [
      {
        type: pdConditionTypes.Initialized,
        status: 'True',
        reason: 'Joined',
        message: `member ${member.id}${clusterId ? ` of PD cluster ${clusterId}` : ''}`,
      },
      member.leader
        ? { type: pdConditionTypes.Leader, status: 'True', reason: 'Leader', message: 'the member is the PD leader' }
        : {
            type: pdConditionTypes.Leader,
            status: 'False',
            reason: 'Follower',
            message: view.snapshot.leader ? `the PD leader is ${view.snapshot.leader}` : 'PD has no leader',
          },
    ],
  };
}
