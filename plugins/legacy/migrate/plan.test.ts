import { describe, expect, test } from 'bun:test';
import { CONVERTED_FROM_ANNOTATION } from '../convert.ts';
import {
  describeAction,
  describePlan,
  MIGRATION_CLUSTER_ID_ANNOTATION,
  type MigrationAction,
  migrationPhases,
  planNext,
} from './plan.ts';
import { defaultMigrationOptions, type MigrationOptions, type ObservedState } from './state.ts';
import {
  bothRunning,
  CLUSTER_ID,
  LEGACY_URL,
  legacyComponent,
  legacyMember,
  legacyOnly,
  legacyStore,
  newCluster,
  newGroup,
  newMember,
  newStore,
  pdReading,
  TC,
  tikvClusterObject,
} from './testing.ts';

const options = (over: Partial<MigrationOptions> = {}): MigrationOptions => ({ ...defaultMigrationOptions, ...over });
const next = (state: ObservedState, over: Partial<MigrationOptions> = {}) => planNext(state, options(over));
const action = (state: ObservedState, over: Partial<MigrationOptions> = {}): MigrationAction =>
  next(state, over).action;

const legacyMembers = (leader = 0) => [0, 1, 2].map((i) => legacyMember(i, { leader: i === leader }));
const legacyStores = [0, 1, 2].map((i) => legacyStore(i));

describe('before anything exists', () => {
  test('a healthy legacy cluster: create the Cluster and a PDGroup that joins the legacy PD, nothing else', () => {
    const step = next(legacyOnly());
    expect(step.phase).toBe(migrationPhases.createPd);
    const created = step.action.kind === 'create' ? step.action.objects : [];
    expect(created.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Cluster/basic', 'PDGroup/basic-pdg']);
    const [cluster, pdGroup] = created as unknown as [
      { metadata: { annotations: Record<string, string> } },
      { spec: unknown },
    ];
    expect(cluster.metadata.annotations).toEqual({
      [CONVERTED_FROM_ANNOTATION]: 'TikvCluster/basic',
      [MIGRATION_CLUSTER_ID_ANNOTATION]: CLUSTER_ID,
    });
    expect(pdGroup.spec).toMatchObject({ join: LEGACY_URL, replicas: 3, cluster: { name: TC } });
  });

  test('a paused legacy cluster still gets a running Cluster (the migration needs the new groups to work)', () => {
    const state = legacyOnly();
    if (state.tikvCluster) state.tikvCluster.object = tikvClusterObject({ paused: true });
    const created = action(state);
    expect(created.kind === 'create' && created.objects[0]?.spec).toEqual({});
  });

  const unhealthy = (over: Partial<ObservedState>) => legacyOnly(over);
  test.each<[string, ObservedState, string]>([
    ['the TikvCluster cannot be read', unhealthy({ tikvCluster: undefined }), 'TikvCluster tikv/basic not found'],
    [
      'a StatefulSet is missing',
      unhealthy({ legacy: { pd: legacyComponent('pd', 3), tikv: { statefulSet: undefined, pods: [], claims: [] } } }),
      'StatefulSet tikv/basic-tikv not found',
    ],
    [
      'a legacy Pod is not ready',
      unhealthy({ legacy: { pd: legacyComponent('pd', 3, 2), tikv: legacyComponent('tikv', 3) } }),
      'StatefulSet basic-pd: 2 of 3 Pods ready (2 exist)',
    ],
    [
      'PD does not answer',
      unhealthy({ pd: { url: LEGACY_URL, error: 'connection refused' } }),
      `PD at ${LEGACY_URL} does not answer: connection refused`,
    ],
    ['PD has no leader', unhealthy({ pd: pdReading(legacyMembers(-1), legacyStores) }), 'PD has no leader'],
    [
      'a PD member is unhealthy',
      unhealthy({ pd: pdReading([...legacyMembers().slice(0, 2), legacyMember(2, { healthy: false })], legacyStores) }),
      'PD member basic-pd-2 is not healthy',
    ],
    [
      'PD lists a member that is no legacy Pod',
      unhealthy({ pd: pdReading([...legacyMembers(), newMember(0)], legacyStores) }),
      'PD member basic-pdg-0 is not a Pod of StatefulSet basic-pd (a failover leftover?)',
    ],
    [
      'a store is Down',
      unhealthy({
        pd: pdReading(legacyMembers(), [legacyStore(0), legacyStore(1), legacyStore(2, { stateName: 'Down' })]),
      }),
      'store 102 (basic-tikv-2) is Down, not Up',
    ],
    [
      'a store is being removed',
      unhealthy({
        pd: pdReading(legacyMembers(), [legacyStore(0), legacyStore(1), legacyStore(2, { state: 'Offline' })]),
      }),
      'store 102 (basic-tikv-2) is Offline, not Up',
    ],
    [
      'regions have down peers',
      unhealthy({ pd: pdReading(legacyMembers(), legacyStores, { downPeerRegions: 4 }) }),
      '4 regions have down peers',
    ],
    [
      'an evict-leader scheduler is left',
      unhealthy({
        pd: pdReading(legacyMembers(), [legacyStore(0, { evicting: true }), legacyStore(1), legacyStore(2)]),
      }),
      'PD evicts the leaders of store 100',
    ],
    [
      'the legacy operator runs',
      unhealthy({ legacyOperator: { kind: 'checked', running: ['tikv-operator/tikv-operator'] } }),
      'the legacy tikv-operator runs (Deployment tikv-operator/tikv-operator): scale it to 0 first',
    ],
    [
      'whether the legacy operator runs is unknown',
      unhealthy({ legacyOperator: { kind: 'unknown', reason: 'deployments.apps is forbidden' } }),
      'pass --legacy-operator-stopped',
    ],
    [
      'the TikvCluster recorded another PD cluster id',
      unhealthy({ tikvCluster: { object: tikvClusterObject(), served: true, converted: false, clusterId: '42' } }),
      `the TikvCluster recorded PD cluster id 42, but PD answers with ${CLUSTER_ID}`,
    ],
  ])('refuses when %s', (_name, state, reason) => {
    const step = next(state);
    expect(step.phase).toBe(migrationPhases.preconditions);
    expect(step.action.kind).toBe('refuse');
    expect(step.action.kind === 'refuse' && step.action.reason).toContain(reason);
  });

  test('an unknown legacy operator state is accepted once the user says it is stopped', () => {
    const state = legacyOnly({ legacyOperator: { kind: 'unknown', reason: 'forbidden' } });
    expect(action(state, { legacyOperatorStopped: true }).kind).toBe('create');
  });

  test('every failed precondition is named at once', () => {
    const state = legacyOnly({
      pd: pdReading(legacyMembers(-1), legacyStores, { downPeerRegions: 1 }),
      legacyOperator: { kind: 'checked', running: ['x/y'] },
    });
    const refused = action(state);
    expect(refused.kind === 'refuse' && refused.reason.split('; ')).toEqual([
      'PD has no leader',
      '1 regions have down peers',
      'the legacy tikv-operator runs (Deployment x/y): scale it to 0 first, it would recreate what the migration removes',
    ]);
  });

  test('warnings of the converter must be acknowledged', () => {
    const state = legacyOnly();
    if (state.tikvCluster) state.tikvCluster.object = tikvClusterObject({ discovery: { requests: { cpu: '1' } } });
    const refused = next(state);
    expect(refused.phase).toBe(migrationPhases.convert);
    expect(refused.action.kind === 'refuse' && refused.action.reason).toContain('pass --accept-warnings');
    expect(action(state, { acceptWarnings: true }).kind).toBe('create');
  });

  test('a TikvCluster that cannot be converted is refused with the converter error', () => {
    const state = legacyOnly();
    if (state.tikvCluster) state.tikvCluster.object = tikvClusterObject({ version: 'latest' });
    const refused = next(state);
    expect(refused.phase).toBe(migrationPhases.convert);
    expect(refused.action.kind === 'refuse' && refused.action.reason).toContain(
      'TikvCluster tikv/basic: cannot convert',
    );
  });

  test('a Cluster of that name that the migration did not create is never taken over', () => {
    const state = legacyOnly({ cluster: { annotations: {}, statusId: undefined, statusPd: undefined, ready: true } });
    const refused = action(state);
    expect(refused.kind === 'refuse' && refused.reason).toContain(
      'Cluster tikv/basic exists and was not created by the migration of TikvCluster/basic',
    );
  });
});

describe('joining', () => {
  const joining = (over: Partial<ObservedState>) =>
    legacyOnly({
      cluster: newCluster(null),
      pdGroup: newGroup('basic-pdg', 3, 0, { join: LEGACY_URL }),
      ...over,
    });

  test('after a restart between the two creations, the missing PDGroup is created (preconditions are not asked again)', () => {
    const state = joining({ pdGroup: undefined, pd: pdReading(legacyMembers(-1), legacyStores) });
    const created = action(state);
    expect(created.kind === 'create' && created.objects.map((o) => o.kind)).toEqual(['PDGroup']);
  });

  test('waits until every new member is healthy in PD and the Cluster published the id', () => {
    expect(action(joining({}))).toEqual({
      kind: 'wait',
      reason: `0 of 3 new PD members joined PD cluster ${CLUSTER_ID} and are healthy`,
    });
    const joined = {
      pdGroup: newGroup('basic-pdg', 3, 3, { join: LEGACY_URL }),
      pd: pdReading([...legacyMembers(), newMember(0), newMember(1), newMember(2)], legacyStores),
    };
    expect(action(joining(joined))).toEqual({
      kind: 'wait',
      reason: 'the Cluster has not published the PD cluster id yet',
    });
    expect(action(joining({ ...joined, cluster: newCluster() }))).toEqual({
      kind: 'transferPdLeader',
      from: 'basic-pd-0',
      to: 'basic-pdg-0',
    });
  });

  test.each([
    [
      'the new Cluster published another id',
      { cluster: newCluster('42') },
      'the new Cluster (status.id) shows PD cluster id 42',
    ],
    [
      'PD answers with another id',
      {
        pd: {
          ...pdReading(legacyMembers(), legacyStores),
          snapshot: { ...pdReading(legacyMembers(), legacyStores).snapshot, clusterId: '42' },
        },
      },
      'PD shows PD cluster id 42',
    ],
  ])('stops when %s', (_name, over, reason) => {
    const refused = action(joining(over as Partial<ObservedState>));
    expect(refused.kind).toBe('refuse');
    expect(refused.kind === 'refuse' && refused.reason).toContain(reason);
    expect(refused.kind === 'refuse' && refused.reason).toContain('stopping without touching anything');
  });

  test('leadership goes to a healthy, ready new member; without one it waits', () => {
    const members = [
      legacyMember(0, { leader: true }),
      legacyMember(1),
      legacyMember(2),
      newMember(0, { healthy: false }),
      newMember(1),
      newMember(2),
    ];
    const state = bothRunning({ pd: pdReading(members, legacyStores), tikvGroup: undefined });
    // basic-pdg-0 is not healthy: the next phase waits for it first.
    expect(action(state).kind).toBe('wait');
    const ready = bothRunning({
      pd: pdReading(
        members.map((m) => (m.name === 'basic-pdg-0' ? { ...m, health: true } : m)),
        legacyStores,
      ),
      tikvGroup: undefined,
    });
    expect(action(ready)).toEqual({ kind: 'transferPdLeader', from: 'basic-pd-0', to: 'basic-pdg-0' });
  });

  test('the TiKVGroup is created only once the new PD members lead', () => {
    const state = bothRunning({ tikvGroup: undefined });
    const step = next(state);
    expect(step.phase).toBe(migrationPhases.createTikv);
    expect(step.action.kind === 'create' && step.action.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'TiKVGroup/basic-kvg',
    ]);
  });

  test('waits for every new store Up', () => {
    const stores = [...legacyStores, newStore(0), newStore(1), newStore(2, { stateName: 'Disconnected' })];
    const state = bothRunning({
      pd: pdReading(
        [legacyMember(0), legacyMember(1), legacyMember(2), newMember(0, { leader: true }), newMember(1), newMember(2)],
        stores,
      ),
    });
    expect(next(state)).toEqual({
      phase: migrationPhases.waitTikv,
      action: { kind: 'wait', reason: '2 of 3 new TiKV stores Up' },
    });
  });
});

describe('removing the legacy stores', () => {
  const allMembers = [
    legacyMember(0),
    legacyMember(1),
    legacyMember(2),
    newMember(0, { leader: true }),
    newMember(1),
    newMember(2),
  ];
  const newStores = [newStore(0), newStore(1), newStore(2)];
  const withStores = (legacy: ReturnType<typeof legacyStore>[], over: Partial<ObservedState> = {}, pdOver = {}) =>
    bothRunning({ pd: pdReading(allMembers, [...legacy, ...newStores], pdOver), ...over });

  test.each<[string, ObservedState, MigrationAction]>([
    [
      'the highest ordinal first: its leaders are evicted',
      withStores(legacyStores),
      { kind: 'evictLeaders', storeId: '102', address: legacyStore(2).address },
    ],
    [
      'leaders still leaving: wait',
      withStores([legacyStore(0), legacyStore(1), legacyStore(2, { evicting: true, leaderCount: 4 })]),
      { kind: 'wait', reason: 'evicting the leaders of store 102 (basic-tikv-2): 4 left' },
    ],
    [
      'no leader left: delete the store in PD',
      withStores([legacyStore(0), legacyStore(1), legacyStore(2, { evicting: true, leaderCount: 0 })]),
      { kind: 'deleteStore', storeId: '102', address: legacyStore(2).address },
    ],
    [
      'Offline: wait for PD to move its regions',
      withStores([
        legacyStore(0),
        legacyStore(1),
        legacyStore(2, { state: 'Offline', evicting: true, regionCount: 12 }),
      ]),
      { kind: 'wait', reason: 'PD moves the regions off store 102 (basic-tikv-2): 12 left' },
    ],
    [
      'Tombstone and still in the evict-leader scheduler: remove it from the scheduler',
      withStores([legacyStore(0), legacyStore(1), legacyStore(2, { state: 'Tombstone', evicting: true })]),
      { kind: 'removeEvictLeaderScheduler', storeId: '102' },
    ],
    [
      'Tombstone: only now its Pod goes (the StatefulSet is lowered by one)',
      withStores([legacyStore(0), legacyStore(1), legacyStore(2, { state: 'Tombstone' })]),
      {
        kind: 'scaleStatefulSet',
        component: 'tikv',
        name: 'basic-tikv',
        from: 3,
        to: 2,
        reason: 'store 102 (basic-tikv-2) is Tombstone: basic-tikv-2 may go',
      },
    ],
    [
      'the next one once the StatefulSet is lowered',
      withStores([legacyStore(0), legacyStore(1), legacyStore(2, { state: 'Tombstone' })], {
        legacy: { pd: legacyComponent('pd', 3), tikv: legacyComponent('tikv', 2) },
      }),
      { kind: 'evictLeaders', storeId: '101', address: legacyStore(1).address },
    ],
    [
      'another store has down peers: wait',
      bothRunning({
        pd: pdReading(allMembers, [...legacyStores, newStore(0, { downPeers: 3 }), newStore(1), newStore(2)]),
      }),
      { kind: 'wait', reason: 'store 200 (basic-kvg-0) has down peers: store 102 (basic-tikv-2) waits' },
    ],
    [
      'the last Pods are still going: wait',
      withStores(
        [0, 1, 2].map((i) => legacyStore(i, { state: 'Tombstone' })),
        {
          legacy: { pd: legacyComponent('pd', 3), tikv: { ...legacyComponent('tikv', 0, 1) } },
        },
      ),
      { kind: 'wait', reason: 'the StatefulSet removes the last legacy TiKV Pods (1 left)' },
    ],
  ])('%s', (_name, state, expected) => {
    expect(next(state)).toEqual({ phase: migrationPhases.removeStores, action: expected });
  });

  test('never below max-replicas Up stores: with a new store Down-free but missing, the legacy store waits', () => {
    const state = bothRunning({
      tikvGroup: newGroup('basic-kvg', 1),
      pd: pdReading(allMembers, [...legacyStores, newStore(0)], { maxReplicas: 4 }),
    });
    expect(action(state)).toEqual({
      kind: 'wait',
      reason: 'store 102 (basic-tikv-2) stays for now: PD max-replicas is 4: only 3 of 4 Up stores would remain',
    });
  });

  test('the eviction wait is bounded: after the timeout the store is deleted in PD anyway, with a note', () => {
    const evicting = [legacyStore(0), legacyStore(1), legacyStore(2, { evicting: true, leaderCount: 4 })];
    const started = new Map([['102', 1_000_000 - 5 * 60_000]]);
    expect(action(withStores(evicting, { evictionStartedAt: started }))).toEqual({
      kind: 'deleteStore',
      storeId: '102',
      address: legacyStore(2).address,
      note: '4 leaders were still on it when the eviction timeout passed',
    });
  });
});

describe('removing the legacy PD members', () => {
  const buried = [0, 1, 2].map((i) => legacyStore(i, { state: 'Tombstone' }));
  const newStores = [newStore(0), newStore(1), newStore(2)];
  const stage = (members: ReturnType<typeof legacyMember>[], pdReplicas = 3, over: Partial<ObservedState> = {}) =>
    bothRunning({
      legacy: {
        pd: legacyComponent('pd', pdReplicas),
        tikv: { statefulSet: { replicas: 0, readyReplicas: 0 }, pods: [], claims: [] },
      },
      pd: pdReading(members, [...buried, ...newStores]),
      ...over,
    });
  const news = [newMember(0, { leader: true }), newMember(1), newMember(2)];

  test.each<[string, ObservedState, MigrationAction]>([
    [
      'the highest ordinal is deleted in PD first',
      stage([legacyMember(0), legacyMember(1), legacyMember(2), ...news]),
      { kind: 'deletePdMember', name: 'basic-pd-2' },
    ],
    [
      'then its Pod goes',
      stage([legacyMember(0), legacyMember(1), ...news]),
      {
        kind: 'scaleStatefulSet',
        component: 'pd',
        name: 'basic-pd',
        from: 3,
        to: 2,
        reason: 'PD no longer lists basic-pd-2',
      },
    ],
    [
      'a legacy leader hands leadership to a new member first',
      stage([legacyMember(0), legacyMember(1, { leader: true }), newMember(0), newMember(1), newMember(2)], 2),
      { kind: 'transferPdLeader', from: 'basic-pd-1', to: 'basic-pdg-0' },
    ],
    [
      'new members gone unhealthy send the migration back to waiting for them, before any removal',
      stage(
        [
          legacyMember(0),
          legacyMember(1),
          legacyMember(2),
          newMember(0, { leader: true }),
          newMember(1, { healthy: false }),
          newMember(2, { healthy: false }),
        ].map((m) => m),
        3,
        {
          pdGroup: newGroup('basic-pdg', 3, 3, { join: LEGACY_URL }),
        },
      ),
      { kind: 'wait', reason: '1 of 3 new PD members joined PD cluster 7000000000000000001 and are healthy' },
    ],
  ])('%s', (_name, state, expected) => {
    expect(action(state)).toEqual(expected);
  });

  test('the quorum rule is PD scale-in’s (decideMemberRemoval)', () => {
    // Five members, two unhealthy legacy ones: removing a healthy one would leave 2 healthy of 4.
    const members = [
      legacyMember(0, { healthy: false }),
      legacyMember(1, { healthy: false }),
      legacyMember(2),
      newMember(0, { leader: true }),
      newMember(1),
    ];
    const state = stage(members, 3, {
      pdGroup: newGroup('basic-pdg', 2, 2, { join: LEGACY_URL }),
    });
    expect(action(state)).toEqual({
      kind: 'wait',
      reason: 'without basic-pd-2 2 of 4 PD members are healthy; a quorum needs 3',
    });
  });
});

describe('the end', () => {
  const finalPd = pdReading(
    [newMember(0, { leader: true }), newMember(1), newMember(2)],
    [...[0, 1, 2].map((i) => legacyStore(i, { state: 'Tombstone' })), newStore(0), newStore(1), newStore(2)],
  );
  const emptied = { statefulSet: { replicas: 0, readyReplicas: 0 }, pods: [], claims: ['tikv-basic-tikv-0'] };
  const gone = { statefulSet: undefined, pods: [], claims: ['pd-basic-pd-0'] };

  test('the emptied StatefulSets are deleted, the PVCs only with --delete-volumes', () => {
    const state = bothRunning({ pd: finalPd, legacy: { pd: gone, tikv: emptied } });
    expect(action(state)).toEqual({ kind: 'deleteStatefulSet', component: 'tikv', name: 'basic-tikv' });
    const deleted = bothRunning({ pd: finalPd, legacy: { pd: gone, tikv: { ...emptied, statefulSet: undefined } } });
    expect(action(deleted, { deleteVolumes: true })).toEqual({
      kind: 'deleteClaims',
      names: ['tikv-basic-tikv-0', 'pd-basic-pd-0'],
    });
    expect(next(deleted)).toEqual({
      phase: migrationPhases.markConverted,
      action: {
        kind: 'markConverted',
        convertedTo: {
          apiVersion: 'core.tikv.org/v1alpha1',
          cluster: 'basic',
          pdGroup: 'basic-pdg',
          tikvGroup: 'basic-kvg',
        },
      },
    });
  });

  test('done once the TikvCluster is marked, or when its CRD is not served', () => {
    const none = { statefulSet: undefined, pods: [], claims: [] };
    const base = { pd: finalPd, legacy: { pd: none, tikv: none } };
    const marked = bothRunning({
      ...base,
      tikvCluster: { object: tikvClusterObject(), served: true, converted: true, clusterId: undefined },
    });
    expect(action(marked)).toEqual({ kind: 'done' });
    const fromFile = bothRunning({
      ...base,
      tikvCluster: { object: tikvClusterObject(), served: false, converted: false, clusterId: undefined },
    });
    expect(action(fromFile)).toEqual({ kind: 'done' });
  });
});

describe('the plan', () => {
  test('shows each phase as done, next or pending', () => {
    const plan = describePlan(bothRunning(), options());
    expect(plan.map((p) => `${p.status} ${p.phase}`)).toEqual([
      'done check preconditions',
      'done convert the TikvCluster',
      'done create the Cluster and the PDGroup',
      'done wait for the new PD members',
      'done transfer PD leadership',
      'done create the TiKVGroup',
      'done wait for the new TiKV stores',
      'next remove the legacy stores',
      'pending remove the legacy PD members',
      'pending delete the legacy StatefulSets',
      'pending mark the TikvCluster converted',
    ]);
    expect(plan[7]?.detail).toBe(
      '3 left, highest ordinal first: evict leaders, delete in PD, wait for Tombstone, then the Pod',
    );
  });

  test('before the start it names what will be created', () => {
    const plan = describePlan(legacyOnly(), options());
    expect(plan[1]).toEqual({
      phase: migrationPhases.convert,
      status: 'done',
      detail: 'Cluster basic, PDGroup basic-pdg, TiKVGroup basic-kvg; 0 warnings',
    });
    expect(plan[2]).toMatchObject({
      status: 'next',
      detail: expect.stringContaining(`joins ${LEGACY_URL} (spec.join)`),
    });
  });

  test.each<[MigrationAction, string]>([
    [{ kind: 'deleteStore', storeId: '5', address: 'a:1', note: 'n' }, 'deleting store 5 (a:1) in PD: n'],
    [{ kind: 'transferPdLeader', from: 'a', to: 'b' }, 'transferring PD leadership from a to b'],
    [{ kind: 'wait', reason: 'r' }, 'waiting: r'],
  ])('describes %o', (a, text) => {
    expect(describeAction(a)).toBe(text);
  });
});
