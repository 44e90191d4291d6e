// PD members: the embedded etcd cluster PD runs on. A member joins when its PD process first serves, keeps its
// random uint64 id while its data survives, and stays a member (unhealthy) while its process is down, until
// it is deleted through the API: PD never forgets members on its own. There is a leader while a majority of
// members is healthy; it moves on transfer or when it fails, and with the majority lost there is none.

import { pdErrors } from '../errors.ts';
import type { Uint64Source } from '../ids.ts';

export interface PdMember {
  readonly name: string;
  readonly memberId: bigint;
  peerUrls: string[];
  clientUrls: string[];
  healthy: boolean;
  /** The data directory the member's etcd lives in (its PVC). */
  readonly dataId: string;
  /** Higher wins the election; PD's `leader-priority` member property. */
  leaderPriority: number;
  /** Join order, the tie-breaker of elections. */
  readonly seq: number;
}

export interface MemberSpec {
  name: string;
  peerUrls: string[];
  clientUrls: string[];
  dataId: string;
}

export type MemberUpResult = { ok: true; member: PdMember; joined: boolean } | { ok: false; reason: string };

export class MemberSet {
  private readonly byName = new Map<string, PdMember>();
  /** Members deleted through the API, by name -> data: that etcd data can never rejoin. */
  private readonly removed = new Map<string, string>();
  private leaderName: string | undefined;
  private seq = 0;

  constructor(private readonly ids: Uint64Source) {}

  /** A PD process serves: it joins (new data) or comes back (same data). */
  up(spec: MemberSpec): MemberUpResult {
    const existing = this.byName.get(spec.name);
    if (existing && existing.dataId === spec.dataId) {
      existing.healthy = true;
      existing.peerUrls = [...spec.peerUrls];
      existing.clientUrls = [...spec.clientUrls];
      this.elect();
      return { ok: true, member: existing, joined: false };
    }
    if (existing) {
      // etcd refuses a second member with the name of a live one: the old one must be deleted first.
      return {
        ok: false,
        reason: `member ${spec.name} already exists with other data; delete it from PD before starting it anew`,
      };
    }
    if (this.removed.get(spec.name) === spec.dataId) {
      return { ok: false, reason: `the member ${spec.name} has been permanently removed from the cluster` };
    }
    const member: PdMember = {
      name: spec.name,
      memberId: this.ids.nextLargeId(),
      peerUrls: [...spec.peerUrls],
      clientUrls: [...spec.clientUrls],
      healthy: true,
      dataId: spec.dataId,
      leaderPriority: 0,
      seq: this.seq++,
    };
    this.byName.set(member.name, member);
    this.elect();
    return { ok: true, member, joined: true };
  }

  /**
   * A data directory is gone (its PVC was deleted): a member that later starts on a claim of the same name starts
   * on new, empty data, which etcd admits as a new member (an operator recreating a failed member empty).
   */
  forgetRemovedData(dataToken: string): void {
    for (const [name, dataId] of this.removed) {
      if (dataId === dataToken || dataId.split(',').includes(dataToken)) this.removed.delete(name);
    }
  }

  /** Its process is gone or unready; it stays a member. */
  down(name: string): void {
    this.setHealth(name, false);
  }

  setHealth(name: string, healthy: boolean): boolean {
    const m = this.byName.get(name);
    if (!m) return false;
    m.healthy = healthy;
    this.elect();
    return true;
  }

  list(): PdMember[] {
    return [...this.byName.values()].sort((a, b) => a.seq - b.seq);
  }

  get(name: string): PdMember | undefined {
    return this.byName.get(name);
  }

  byId(id: bigint): PdMember | undefined {
    return this.list().find((m) => m.memberId === id);
  }

  hasQuorum(): boolean {
    const all = this.byName.size;
    const healthy = this.list().filter((m) => m.healthy).length;
    return all > 0 && healthy >= Math.floor(all / 2) + 1;
  }

  leader(): PdMember | undefined {
    return this.leaderName === undefined ? undefined : this.byName.get(this.leaderName);
  }

  /** POST /leader/transfer/{name}: etcd moves its leadership, PD's leadership follows. */
  transferLeader(name: string): void {
    const target = this.byName.get(name);
    if (!target) throw pdErrors.noValidTransferTarget();
    if (!target.healthy) throw pdErrors.moveLeader('etcdserver: request timed out, leader transfer took too long');
    this.leaderName = target.name;
  }

  /**
   * DELETE /members/...: etcd's strict reconfiguration check (etcdserver mayRemoveMember) refuses a removal
   * that would leave fewer started members than a quorum of the remaining ones.
   */
  remove(member: PdMember): void {
    const members = this.list();
    const healthyOthers = members.filter((m) => m.healthy && m.name !== member.name).length;
    const remaining = members.length - 1;
    if (healthyOthers < Math.floor(remaining / 2) + 1) {
      throw pdErrors.memberRemove('etcdserver: re-configuration failed due to not enough started members');
    }
    this.byName.delete(member.name);
    this.removed.set(member.name, member.dataId);
    this.elect();
  }

  /** Keeps a healthy leader while there is a quorum; otherwise elects by priority, then join order. */
  private elect(): void {
    if (!this.hasQuorum()) {
      this.leaderName = undefined;
      return;
    }
    const current = this.leader();
    if (current?.healthy) return;
    const candidates = this.list()
      .filter((m) => m.healthy)
      .sort((a, b) => b.leaderPriority - a.leaderPriority || a.seq - b.seq);
    this.leaderName = candidates[0]?.name;
  }
}
