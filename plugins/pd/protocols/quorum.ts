// Raft quorum arithmetic for PD's embedded etcd: a cluster of n members needs a majority of them healthy to
// elect a leader and to change its membership.

/** Members a cluster of `members` needs healthy: floor(n / 2) + 1. */
export function quorumOf(members: number): number {
  return Math.floor(members / 2) + 1;
}

/** A PD member as the quorum decisions see it. */
export interface MemberHealth {
  name: string;
  healthy: boolean;
}
