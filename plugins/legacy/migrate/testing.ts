// Observed states of a migration of TikvCluster tikv/basic (3 PD + 3 TiKV) for the planner's table tests: a
// healthy legacy cluster before anything started, and builders for every later stage.
import { emptySnapshot, type MemberView, type PdSnapshot, type StoreView } from '../../pd/client/snapshot.ts';
import { CONVERTED_FROM_ANNOTATION } from '../convert.ts';
import { type LegacyComponent, legacyMemberName, legacyNames, legacyStoreAddress } from '../objects.ts';
import { MIGRATION_CLUSTER_ID_ANNOTATION } from './plan.ts';
import type { LegacyComponentState, MigrationTarget, NewGroupState, ObservedState, PdReading } from './state.ts';

export const TC = 'basic';
export const NS = 'tikv';
export const CLUSTER_ID = '7000000000000000001';
export const LEGACY_URL = `http://basic-pd.${NS}.svc:2379`;

export const target: MigrationTarget = {
  namespace: NS,
  legacyName: TC,
  cluster: TC,
  pdGroup: `${TC}-pdg`,
  tikvGroup: `${TC}-kvg`,
};

export function tikvClusterObject(spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'tikv.org/v1alpha1',
    kind: 'TikvCluster',
    metadata: { name: TC, namespace: NS },
    spec: {
      version: 'v8.5.0',
      pd: { baseImage: 'pingcap/pd', replicas: 3, requests: { storage: '1Gi' }, config: {} },
      tikv: { baseImage: 'pingcap/tikv', replicas: 3, requests: { storage: '1Gi' }, config: {} },
      ...spec,
    },
  };
}

export function legacyComponent(component: LegacyComponent, replicas: number, pods = replicas): LegacyComponentState {
  const ordinals = Array.from({ length: pods }, (_, i) => i);
  return {
    statefulSet: { replicas, readyReplicas: pods },
    pods: ordinals.map((i) => ({
      name: legacyNames.pod(TC, component, i),
      ordinal: i,
      ready: true,
      terminating: false,
    })),
    claims: Array.from({ length: 3 }, (_, i) => legacyNames.claim(TC, component, i)),
  };
}

export function member(name: string, opts: { healthy?: boolean; leader?: boolean } = {}): MemberView {
  return {
    name,
    id: String(BigInt(CLUSTER_ID) + BigInt(name.length) + BigInt(name.charCodeAt(name.length - 1))),
    health: opts.healthy ?? true,
    leader: opts.leader ?? false,
    clientUrls: [`http://${name}.peer.${NS}.svc:2379`],
  };
}

export function store(
  id: number,
  address: string,
  opts: Partial<
    Pick<StoreView, 'state' | 'stateName' | 'leaderCount' | 'regionCount' | 'evicting' | 'downPeers' | 'missPeers'>
  > = {},
): StoreView {
  const state = opts.state ?? 'Up';
  return {
    id: String(id),
    address,
    state,
    stateName: opts.stateName ?? state,
    nodeState: state === 'Up' ? 'Serving' : state === 'Offline' ? 'Removing' : 'Removed',
    leaderCount: opts.leaderCount ?? (state === 'Up' ? 10 : 0),
    regionCount: opts.regionCount ?? (state === 'Tombstone' ? 0 : 30),
    labels: {},
    physicallyDestroyed: false,
    evicting: opts.evicting ?? false,
    downPeers: opts.downPeers ?? 0,
    missPeers: opts.missPeers ?? 0,
  };
}

export const legacyStore = (i: number, opts: Parameters<typeof store>[2] = {}) =>
  store(100 + i, legacyStoreAddress(TC, i, NS), opts);
export const newStore = (i: number, opts: Parameters<typeof store>[2] = {}) =>
  store(200 + i, `${TC}-kvg-${i}.${TC}-kvg-peer.${NS}.svc:20160`, opts);
export const legacyMember = (i: number, opts: Parameters<typeof member>[1] = {}) =>
  member(legacyMemberName(TC, i), opts);
export const newMember = (i: number, opts: Parameters<typeof member>[1] = {}) => member(`${TC}-pdg-${i}`, opts);

export function snapshot(members: MemberView[], stores: StoreView[], clusterId = CLUSTER_ID): PdSnapshot {
  return {
    ...emptySnapshot,
    synced: true,
    fetchedAt: 0,
    clusterId,
    leader: members.find((m) => m.leader)?.name,
    members: new Map(members.map((m) => [m.name, m])),
    stores: new Map(stores.map((s) => [s.address, s])),
    evictLeaderStoreIds: stores.filter((s) => s.evicting).map((s) => s.id),
  };
}

export function pdReading(members: MemberView[], stores: StoreView[], opts: Partial<PdReading> = {}): PdReading {
  return {
    url: LEGACY_URL,
    snapshot: snapshot(members, stores),
    maxReplicas: 3,
    downPeerRegions: 0,
    ...opts,
  };
}

export function newGroup(
  name: string,
  replicas: number,
  ready = replicas,
  extra: Partial<NewGroupState> = {},
): NewGroupState {
  return {
    name,
    replicas,
    readyReplicas: ready,
    annotations: { [CONVERTED_FROM_ANNOTATION]: `TikvCluster/${TC}` },
    instances: Array.from({ length: replicas }, (_, i) => ({ name: `${name}-${i}`, ready: i < ready })),
    ...extra,
  };
}

/** A healthy legacy cluster: 3 PD members (basic-pd-0 leads) and 3 stores Up; nothing new exists yet. */
export function legacyOnly(over: Partial<ObservedState> = {}): ObservedState {
  return {
    target,
    nowMs: 1_000_000,
    tikvCluster: { object: tikvClusterObject(), served: true, converted: false, clusterId: undefined },
    legacy: { pd: legacyComponent('pd', 3), tikv: legacyComponent('tikv', 3) },
    pd: pdReading(
      [legacyMember(0, { leader: true }), legacyMember(1), legacyMember(2)],
      [legacyStore(0), legacyStore(1), legacyStore(2)],
    ),
    cluster: undefined,
    pdGroup: undefined,
    tikvGroup: undefined,
    legacyOperator: { kind: 'checked', running: [] },
    evictionStartedAt: new Map(),
    ...over,
  };
}

/** The new Cluster as the migration created it, the id recorded, and (null: not yet) published. */
export function newCluster(published: string | null = CLUSTER_ID): ObservedState['cluster'] {
  return {
    annotations: {
      [CONVERTED_FROM_ANNOTATION]: `TikvCluster/${TC}`,
      [MIGRATION_CLUSTER_ID_ANNOTATION]: CLUSTER_ID,
    },
    statusId: published ?? undefined,
    statusPd: `http://${TC}-pdg.${NS}.svc:2379`,
    ready: false,
  };
}

/**
 * New PD and TiKV groups joined and running next to the legacy ones, PD leadership on basic-pdg-0: the point at
 * which the legacy stores start to go.
 */
export function bothRunning(over: Partial<ObservedState> = {}): ObservedState {
  return legacyOnly({
    cluster: newCluster(),
    pdGroup: newGroup(`${TC}-pdg`, 3, 3, { join: LEGACY_URL }),
    tikvGroup: newGroup(`${TC}-kvg`, 3),
    pd: pdReading(
      [legacyMember(0), legacyMember(1), legacyMember(2), newMember(0, { leader: true }), newMember(1), newMember(2)],
      [legacyStore(0), legacyStore(1), legacyStore(2), newStore(0), newStore(1), newStore(2)],
    ),
    ...over,
  });
}
