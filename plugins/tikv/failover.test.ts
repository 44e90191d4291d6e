import { describe, expect, test } from 'bun:test';
import type { DataPlaneState } from '../../core/plugin/contract.ts';
import type { MemberView, PdSnapshot } from '../pd/client/snapshot.ts';
import { emptySnapshot } from '../pd/client/snapshot.ts';
import { mayFailoverStores, tikvDataPlaneState } from './failover.ts';
import { storeView, viewOf } from './testing.ts';

describe('tikvDataPlaneState', () => {
  test.each<[string, ReturnType<typeof viewOf>, DataPlaneState['state']]>([
    ['no PD URL', viewOf(storeView(), [], { pdUrl: undefined }), 'unknown'],
    ['PD not read yet', viewOf(storeView(), [], { synced: false }), 'unknown'],
    [
      'PD does not answer (stale view): nothing is concluded',
      viewOf(storeView({ stateName: 'Down' }), [], { stale: true }),
      'unknown',
    ],
    ['no store yet', viewOf(undefined), 'disconnected'],
    ['Up', viewOf(storeView()), 'up'],
    ['Up while evicting leaders (a restart)', viewOf(storeView({ evicting: true })), 'up'],
    ['Disconnected', viewOf(storeView({ stateName: 'Disconnected' })), 'disconnected'],
    ['Down', viewOf(storeView({ stateName: 'Down' })), 'down'],
    ['Offline: removed on purpose', viewOf(storeView({ state: 'Offline', stateName: 'Offline' })), 'up'],
    ['Tombstone while the instance serves', viewOf(storeView({ state: 'Tombstone', stateName: 'Tombstone' })), 'down'],
  ])('%s', (_what, view, state) => {
    expect(tikvDataPlaneState(view).state).toBe(state);
  });

  test('says which store and why', () => {
    expect(tikvDataPlaneState(viewOf(storeView({ stateName: 'Down' })))).toEqual({
      state: 'down',
      message: 'store 1 is Down: no heartbeat for longer than max-store-down-time',
    });
  });
});

describe('mayFailoverStores', () => {
  const member = (name: string, health: boolean): MemberView => ({
    name,
    id: name.replace(/\D/g, '') || '1',
    health,
    leader: false,
    clientUrls: [],
  });
  const snapshot = (health: boolean[], over: Partial<PdSnapshot> = {}): PdSnapshot => ({
    ...emptySnapshot,
    synced: true,
    leader: 'pd-0',
    members: new Map(health.map((h, i) => [`pd-${i}`, member(`pd-${i}`, h)])),
    ...over,
  });

  test.each<[string, PdSnapshot | undefined, boolean]>([
    ['PD healthy', snapshot([true, true, true]), true],
    ['one PD member down: a quorum remains', snapshot([true, false, true]), true],
    ['PD without quorum', snapshot([true, false, false]), false],
    ['PD not read yet', undefined, false],
    ['PD read once, not answering now', snapshot([true, true, true], { stale: true, error: 'timeout' }), false],
    ['PD without a leader', snapshot([true, true, true], { leader: undefined }), false],
  ])('%s', (_what, snap, ok) => {
    expect(mayFailoverStores(snap).ok).toBe(ok);
  });

  test('the refusal says why', () => {
    expect(mayFailoverStores(snapshot([true, false, false]))).toEqual({
      ok: false,
      reason: 'PD has 1 healthy of 3 members; a quorum needs 2',
    });
  });
});
