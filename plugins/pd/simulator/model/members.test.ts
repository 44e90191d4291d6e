import { describe, expect, test } from 'bun:test';
import { PdError } from '../errors.ts';
import { Uint64Source } from '../ids.ts';
import { MemberSet } from './members.ts';
import { pdName, testCluster } from './testing.ts';

const spec = (i: number, dataId = `pd-data-${i}`) => ({
  name: pdName(i),
  clientUrls: [`http://${pdName(i)}.basic-pd-peer.default.svc:2379`],
  peerUrls: [`http://${pdName(i)}.basic-pd-peer.default.svc:2380`],
  dataId,
});

function threeMembers(): MemberSet {
  const set = new MemberSet(new Uint64Source(7));
  for (const i of [0, 1, 2]) set.up(spec(i));
  return set;
}

function thrown(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof PdError) return e.message;
    throw e;
  }
  throw new Error('expected a PdError');
}

describe('PD members', () => {
  test('member and cluster ids are uint64 values above 2^53, reproducible from the seed', () => {
    const a = testCluster().model;
    const b = testCluster().model;
    expect(a.clusterId).toBeGreaterThan(2n ** 53n);
    expect(a.clusterId).toBe(b.clusterId);
    for (const m of a.members()) expect(m.memberId).toBeGreaterThan(2n ** 53n);
    expect(new Set(a.members().map((m) => m.memberId)).size).toBe(3);
  });

  test('the first healthy member leads; a member that goes down stays a member, unhealthy', () => {
    const set = threeMembers();
    expect(set.leader()?.name).toBe(pdName(0));
    set.down(pdName(2));
    expect(set.list().map((m) => [m.name, m.healthy])).toEqual([
      [pdName(0), true],
      [pdName(1), true],
      [pdName(2), false],
    ]);
    expect(set.hasQuorum()).toBe(true);
  });

  test('a transfer moves the leader; losing the leader elects another healthy member', () => {
    const set = threeMembers();
    set.transferLeader(pdName(2));
    expect(set.leader()?.name).toBe(pdName(2));
    set.down(pdName(2));
    expect(set.leader()?.name).toBe(pdName(0));
    set.up(spec(2));
    expect(set.leader()?.name).toBe(pdName(0)); // a returning member does not take leadership back
  });

  test('leader priority decides a new election', () => {
    const set = threeMembers();
    const m1 = set.get(pdName(1));
    if (m1) m1.leaderPriority = 5;
    set.down(pdName(0));
    expect(set.leader()?.name).toBe(pdName(1));
  });

  test('transfers to unknown or unhealthy members fail like PD', () => {
    const set = threeMembers();
    expect(thrown(() => set.transferLeader('nobody'))).toBe('no valid pd to transfer etcd leader');
    set.down(pdName(1));
    expect(thrown(() => set.transferLeader(pdName(1)))).toContain('[PD:etcd:ErrEtcdMoveLeader]');
    expect(set.leader()?.name).toBe(pdName(0));
  });

  test('without a majority of healthy members there is no leader; it returns with the majority', () => {
    const set = threeMembers();
    set.down(pdName(0));
    set.down(pdName(1));
    expect(set.hasQuorum()).toBe(false);
    expect(set.leader()).toBeUndefined();
    set.up(spec(1));
    expect(set.hasQuorum()).toBe(true);
    expect(set.leader()?.name).toBe(pdName(1));
  });

  test('removing a member shrinks the quorum; the leader is re-elected when it is removed', () => {
    const set = threeMembers();
    const leader = set.leader();
    if (!leader) throw new Error('no leader');
    set.remove(leader);
    expect(set.list().map((m) => m.name)).toEqual([pdName(1), pdName(2)]);
    expect(set.leader()?.name).toBe(pdName(1));
  });

  test('etcd refuses removals that would leave too few started members', () => {
    const set = threeMembers();
    set.down(pdName(2));
    const healthy = set.get(pdName(1));
    if (!healthy) throw new Error('missing');
    expect(thrown(() => set.remove(healthy))).toBe(
      '[PD:etcd:ErrEtcdMemberRemove]etcd remove member failed: etcdserver: re-configuration failed due to not enough started members',
    );
    const down = set.get(pdName(2));
    if (!down) throw new Error('missing');
    set.remove(down); // removing the down member is safe: 2 started of 2
    expect(set.list()).toHaveLength(2);
    set.down(pdName(1));
    const last = set.get(pdName(0));
    if (!last) throw new Error('missing');
    expect(thrown(() => set.remove(last))).toContain('not enough started members');
    expect(set.list()).toHaveLength(2);
  });

  test('a removed member cannot rejoin with its old data, but can with new data', () => {
    const set = threeMembers();
    const m = set.get(pdName(2));
    if (!m) throw new Error('missing');
    set.remove(m);
    expect(set.up(spec(2))).toEqual({
      ok: false,
      reason: `the member ${pdName(2)} has been permanently removed from the cluster`,
    });
    const again = set.up(spec(2, 'fresh'));
    expect(again.ok && again.joined).toBe(true);
    expect(set.get(pdName(2))?.memberId).not.toBe(m.memberId);
  });

  test('a removed member whose data directory was deleted may start again on a new claim of the same name', () => {
    const set = threeMembers();
    const m = set.get(pdName(2));
    if (!m) throw new Error('missing');
    set.remove(m);
    set.forgetRemovedData(m.dataId);
    const again = set.up(spec(2));
    expect(again.ok && again.joined).toBe(true);
    expect(set.get(pdName(2))?.memberId).not.toBe(m.memberId);
  });

  test('a second member with the same name but other data is refused while the first exists', () => {
    const set = threeMembers();
    set.down(pdName(1));
    const result = set.up(spec(1, 'other'));
    expect(result.ok).toBe(false);
  });

  test('the cluster model records refused PD starts', () => {
    const { model } = testCluster();
    model.memberUp(spec(1, 'other'));
    expect(model.rejections()).toEqual([
      expect.objectContaining({ component: 'pd', subject: pdName(1), reason: expect.stringContaining('other data') }),
    ]);
  });

  test('members can be deleted by id, and unknown ids fail', () => {
    const { model } = testCluster();
    const target = model.member(pdName(2));
    if (!target) throw new Error('missing');
    model.deleteMemberById(target.memberId);
    expect(model.member(pdName(2))).toBeUndefined();
    expect(thrown(() => model.deleteMemberById(12345n))).toContain('member not found');
    expect(thrown(() => model.deleteMemberByName('nope'))).toBe('not found, pd: nope');
  });
});
