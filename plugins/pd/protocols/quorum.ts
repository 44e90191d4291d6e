// Raft quorum arithmetic for PD's embedded etcd: a cluster of n members needs a majority of them healthy to
// elect a leader and to change its membership.
import type { InstanceObject } from '../../../core/plugin/contract.ts';

/** Members a cluster of `members` needs healthy: floor(n / 2) + 1. */
export function quorumOf(members: number): number {
  return Math.floor(members / 2) + 1;
}

/** A PD member as the quorum decisions see it. */
export interface MemberHealth {
  name: string;
  healthy: boolean;
}

/**
 * PD's members with their health as the quorum decisions count it: healthy in PD and, for members that are
 * instances of the group, Ready. The Pod going unready reaches the instance before PD's polled view shows it,
 * and a decision must not count a member that stopped serving as a vote.
 */
export function memberHealth(
  members: Iterable<{ name: string; health: boolean }>,
  instances: readonly InstanceObject[],
  except?: string,
): MemberHealth[] {
  const byName = new Map(instances.map((i) => [i.metadata.name, i]));
  return [...members].map((m) => {
    const instance = byName.get(m.name);
    const ready = instance === undefined || m.name === except || isInstanceReady(instance);
    return { name: m.name, healthy: m.health && ready };
  });
}

function isInstanceReady(instance: InstanceObject): boolean {
  const conditions = (instance.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions;
  return (conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}
