import { expect, test } from 'bun:test';
import { storeHealth } from './health.ts';
import { storeView, viewOf } from './testing.ts';

test.each([
  ['no PD URL', viewOf(storeView(), [], { pdUrl: undefined }), false, "the Cluster has not published PD's URL yet"],
  ['PD not read yet', viewOf(storeView(), [], { synced: false }), false, "PD's stores have not been read yet"],
  ['no store', viewOf(undefined), false, 'PD has no store at basic-tikv-0.basic-tikv-peer.ns.svc:20160 yet'],
  ['Up', viewOf(storeView()), true, 'store 1 is Up'],
  [
    'Disconnected',
    viewOf(storeView({ stateName: 'Disconnected' })),
    false,
    'store 1 is Disconnected: PD gets no heartbeats from it',
  ],
  ['Down', viewOf(storeView({ stateName: 'Down' })), false, 'store 1 is Down: PD gets no heartbeats from it'],
  [
    'Offline',
    viewOf(storeView({ state: 'Offline', stateName: 'Offline', nodeState: 'Removing' })),
    false,
    'store 1 is being removed (Offline)',
  ],
  [
    'Tombstone',
    viewOf(storeView({ state: 'Tombstone', stateName: 'Tombstone', nodeState: 'Removed' })),
    false,
    'store 1 is removed (Tombstone)',
  ],
  [
    'evicting',
    viewOf(storeView({ evicting: true })),
    false,
    'store 1 is Up, but an evict-leader scheduler keeps leaders away',
  ],
])('%s', (_what, view, healthy, reason) => {
  expect(storeHealth(view)).toEqual({ healthy, reason });
});

test('while PD has not been read (an operator that just started), the last verdict stands', () => {
  const unread = viewOf(storeView(), [], { synced: false });
  expect(storeHealth(unread, { healthy: true, reason: 'store 1 is Up' })).toEqual({
    healthy: true,
    reason: 'store 1 is Up',
  });
  expect(storeHealth(unread, { healthy: false, reason: 'store 1 is Down' })).toEqual({
    healthy: false,
    reason: 'store 1 is Down',
  });
  // Once PD answers, PD decides.
  expect(
    storeHealth(viewOf(storeView({ stateName: 'Down' })), { healthy: true, reason: 'store 1 is Up' }).healthy,
  ).toBe(false);
});
