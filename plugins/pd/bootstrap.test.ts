import { describe, expect, test } from 'bun:test';
import {
  type BootstrapPeer,
  bootstrapSizeOf,
  decideMembership,
  INITIAL_CLUSTER_SIZE_ANNOTATION,
  initialClusterValue,
  type MembershipInput,
  newMemberAnnotations,
  ownPdServes,
} from './bootstrap.ts';
import { pdInstance } from './testing.ts';

const peer = (i: number, size = 3): BootstrapPeer => ({
  name: `pd-${i}`,
  size,
  peerUrl: `http://pd-${i}.pd-peer.ns.svc:2380`,
});
const PD_URL = 'http://pd.ns.svc:2379';

function membership(overrides: Partial<MembershipInput>) {
  return decideMembership({
    name: 'pd-0',
    bootstrapSize: 3,
    initialized: false,
    clusterExists: false,
    bootstrapPeers: [peer(0), peer(1), peer(2)],
    pdUrl: PD_URL,
    ...overrides,
  });
}

describe('newMemberAnnotations', () => {
  const base = { primaryGroup: true, clusterId: undefined, knownMembers: 0, replicas: 3, joins: false };
  test.each([
    ['no PD cluster known yet: bootstrap with the replicas', base, { [INITIAL_CLUSTER_SIZE_ANNOTATION]: '3' }],
    ['a group that joins an existing PD cluster (spec.join): never bootstrap', { ...base, joins: true }, {}],
    ['the Cluster has an id: join', { ...base, clusterId: '6982734' }, {}],
    ['PD lists members: join', { ...base, knownMembers: 2 }, {}],
    ['not the primary PD group: join', { ...base, primaryGroup: false }, {}],
  ])('%s', (_name, input, expected) => {
    expect(newMemberAnnotations(input)).toEqual(expected);
  });
});

describe('bootstrapSizeOf', () => {
  test('reads a positive integer and ignores anything else', () => {
    const withSize = (v: string) =>
      bootstrapSizeOf(pdInstance('pd-0', { annotations: { [INITIAL_CLUSTER_SIZE_ANNOTATION]: v } }));
    expect(withSize('3')).toBe(3);
    expect(withSize('0')).toBeUndefined();
    expect(withSize('three')).toBeUndefined();
    expect(bootstrapSizeOf(pdInstance('pd-0'))).toBeUndefined();
  });
});

describe('decideMembership', () => {
  test('a complete bootstrap set: initial-cluster lists every bootstrap peer, sorted', () => {
    expect(membership({ bootstrapPeers: [peer(2), peer(0), peer(1)] })).toEqual({
      kind: 'bootstrap',
      initialCluster: [peer(0), peer(1), peer(2)],
    });
  });

  test('every member of the set renders the same initial-cluster', () => {
    const lists = [0, 1, 2].map((i) => membership({ name: `pd-${i}` }));
    expect(new Set(lists.map((m) => JSON.stringify(m))).size).toBe(1);
  });

  test('an incomplete set waits (no subset may form a cluster of its own)', () => {
    expect(membership({ bootstrapPeers: [peer(0), peer(1)] })).toEqual({
      kind: 'pending',
      reason: 'waiting for the bootstrap members: 2 of 3 exist',
    });
  });

  test('a member that has run once joins: never initial-cluster-state=new over its data', () => {
    expect(membership({ initialized: true })).toEqual({ kind: 'join', join: PD_URL });
    expect(membership({ initialized: true, clusterExists: true })).toEqual({ kind: 'join', join: PD_URL });
  });

  test('a bootstrap member that never ran, in a complete set, starts as its declared member after the others formed the cluster', () => {
    expect(membership({ name: 'pd-2', clusterExists: true }).kind).toBe('bootstrap');
  });

  test('an incomplete set joins once a PD cluster exists', () => {
    expect(membership({ bootstrapPeers: [peer(0)], clusterExists: true })).toEqual({ kind: 'join', join: PD_URL });
  });

  test('members declared with another size are not part of the set', () => {
    const peers = [peer(0), peer(1), peer(2), peer(3, 5), peer(4, 5)];
    expect(membership({ bootstrapPeers: peers })).toEqual({
      kind: 'bootstrap',
      initialCluster: [peer(0), peer(1), peer(2)],
    });
    expect(membership({ name: 'pd-3', bootstrapSize: 5, bootstrapPeers: peers }).kind).toBe('pending');
    expect(membership({ name: 'pd-3', bootstrapSize: 5, bootstrapPeers: peers, clusterExists: true }).kind).toBe(
      'join',
    );
  });

  test('more bootstrap members than the size (a replacement during bootstrap) wait, then join', () => {
    const peers = [peer(0), peer(1), peer(2), peer(3)];
    expect(membership({ name: 'pd-3', bootstrapPeers: peers }).kind).toBe('pending');
    expect(membership({ name: 'pd-3', bootstrapPeers: peers, clusterExists: true })).toEqual({
      kind: 'join',
      join: PD_URL,
    });
  });

  test('members created after bootstrap join through the PD URL, and wait while there is none', () => {
    expect(membership({ bootstrapSize: undefined, clusterExists: true })).toEqual({ kind: 'join', join: PD_URL });
    expect(membership({ bootstrapSize: undefined, pdUrl: undefined })).toEqual({
      kind: 'pending',
      reason: 'the Cluster publishes no PD URL yet (status.pd)',
    });
  });
});

test('initialClusterValue writes name=peerUrl pairs', () => {
  expect(initialClusterValue([peer(0), peer(1)])).toBe(
    'pd-0=http://pd-0.pd-peer.ns.svc:2380,pd-1=http://pd-1.pd-peer.ns.svc:2380',
  );
});

describe('decideMembership with spec.join (a PD cluster that exists elsewhere)', () => {
  const LEGACY = 'http://basic-pd.tikv.svc:2379';
  // Every combination of the facts bootstrap depends on: none of them may lead to initial-cluster-state=new.
  const facts = [false, true].flatMap((initialized) =>
    [false, true].flatMap((clusterExists) =>
      [3, undefined].flatMap((bootstrapSize) =>
        [PD_URL, undefined].map((pdUrl) => ({ initialized, clusterExists, bootstrapSize, pdUrl })),
      ),
    ),
  );

  test.each(facts)('never bootstraps, never waits: joins the given URL (%o)', (f) => {
    expect(membership({ ...f, joinUrl: LEGACY })).toEqual({ kind: 'join', join: LEGACY });
  });

  test.each([
    ['nothing of the own PD group serves yet: the existing cluster', { ownPdServes: false }, LEGACY],
    ['a member of the own PD group serves: the Cluster PD Service', { ownPdServes: true }, PD_URL],
    [
      'the own group serves but no PD URL is published yet: the existing cluster',
      { ownPdServes: true, pdUrl: undefined },
      LEGACY,
    ],
    [
      'an empty join is no join: the usual rule',
      { joinUrl: '', ownPdServes: true, bootstrapSize: undefined, clusterExists: true },
      PD_URL,
    ],
  ])('%s', (_name, overrides, url) => {
    expect(membership({ joinUrl: LEGACY, initialized: true, ...overrides })).toEqual({ kind: 'join', join: url });
  });
});

describe('ownPdServes', () => {
  const member = (name: string, health = true) => ({ name, health });
  test.each([
    ['a healthy member of the primary group', [member('basic-pdg-0')], true],
    ['only unhealthy members of the primary group', [member('basic-pdg-0', false)], false],
    ['only legacy members (another naming)', [member('basic-pd-0'), member('basic-pd-1')], false],
    ['a member whose name only starts like the group', [member('basic-pdg-x-0')], false],
    ['no member at all', [], false],
  ])('%s: %p', (_name, members, expected) => {
    expect(ownPdServes(members, 'basic-pdg')).toBe(expected);
  });

  test('without a primary group nothing serves', () => {
    expect(ownPdServes([member('basic-pdg-0')], undefined)).toBe(false);
  });
});
