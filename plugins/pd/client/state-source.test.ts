import { afterEach, describe, expect, test } from 'bun:test';
import { FakeClock } from '../../../core/runtime/clock.ts';
import { pdName, storeAddress, storeIdAt, tickUntil, tickUntilSettled } from '../simulator/model/testing.ts';
import type { Uint64 } from './json.ts';
import type { CallOptions, WriteListener } from './pd-client.ts';
import type { DownPeerRegion, MissPeerRegion, PdMemberHealth, PdMembers, PdStoreInfo } from './responses.ts';
import type { SnapshotChanges } from './snapshot.ts';
import { type PdStateReader, PdStateSource } from './state-source.ts';
import { servePd, until } from './testing.ts';

const FAST = 1_000;
const SLOW = 30_000;
const addr = (i: number) => `basic-tikv-${i}.basic-tikv-peer.default.svc:20160`;

type Part = 'members' | 'health' | 'stores' | 'evict' | 'down' | 'miss';

/** An in-memory PD whose answers a test edits between polls. */
class FakePd implements PdStateReader {
  leader: string | undefined = 'pd-0';
  unhealthy = new Set<string>();
  storeList: PdStoreInfo[] = [0, 1, 2].map((i) => fakeStore(i));
  evicting: Uint64[] = [];
  down: DownPeerRegion[] = [];
  miss: MissPeerRegion[] = [];
  failing = new Set<Part>();
  /** Reads wait for this when set (a poll held in flight). */
  gate: Promise<void> | undefined;
  pollsStarted = 0;
  /** Parts in the order their reads started. */
  readsStarted: Part[] = [];
  private readonly writeListeners = new Set<WriteListener>();

  private async answer<T>(part: Part, value: () => T): Promise<T> {
    if (part === 'evict') this.pollsStarted++;
    this.readsStarted.push(part);
    if (this.gate) await this.gate;
    if (this.failing.has(part)) throw new Error(`${part} unreachable`);
    return value();
  }

  members(_opts?: CallOptions): Promise<PdMembers> {
    return this.answer('members', () => {
      const all = ['pd-0', 'pd-1', 'pd-2'].map((name, i) => ({
        name,
        memberId: `1311${i}417562371226873`,
        peerUrls: [],
        clientUrls: [],
        leaderPriority: 0,
        binaryVersion: '',
        gitHash: '',
        deployPath: '',
      }));
      const leader = all.find((m) => m.name === this.leader);
      return { clusterId: '7447266112093815125', members: all, leader, etcdLeader: leader };
    });
  }
  health(_opts?: CallOptions): Promise<PdMemberHealth[]> {
    return this.answer('health', () =>
      ['pd-0', 'pd-1', 'pd-2'].map((name) => ({
        name,
        memberId: '1',
        clientUrls: [],
        health: !this.unhealthy.has(name),
      })),
    );
  }
  stores(_opts?: CallOptions): Promise<PdStoreInfo[]> {
    return this.answer('stores', () => this.storeList.map((s) => ({ ...s })));
  }
  evictLeaderSchedulerStores(_opts?: CallOptions): Promise<Uint64[]> {
    return this.answer('evict', () => [...this.evicting]);
  }
  downPeerRegions(_opts?: CallOptions): Promise<DownPeerRegion[]> {
    return this.answer('down', () => [...this.down]);
  }
  missPeerRegions(_opts?: CallOptions): Promise<MissPeerRegion[]> {
    return this.answer('miss', () => [...this.miss]);
  }
  onWrite(listener: WriteListener): () => void {
    this.writeListeners.add(listener);
    return () => this.writeListeners.delete(listener);
  }
  /** What PdClient does after a write settles. */
  wrote(): void {
    for (const l of this.writeListeners) l({ operation: 'deleteStore', ok: true });
  }
  setStore(i: number, over: Partial<PdStoreInfo>): void {
    this.storeList = this.storeList.map((s) => (s.address === addr(i) ? { ...s, ...over } : s));
  }
}

function fakeStore(i: number): PdStoreInfo {
  return {
    id: String(i + 1),
    address: addr(i),
    state: 'Up',
    stateName: 'Up',
    nodeState: 'Serving',
    labels: {},
    version: '8.5.2',
    statusAddress: '',
    physicallyDestroyed: false,
    startTimestamp: 0,
    lastHeartbeatTs: undefined,
    leaderCount: 5,
    regionCount: 20,
    leaderWeight: 1,
    regionWeight: 1,
    capacity: undefined,
    available: undefined,
    isBusy: false,
  };
}

const sources: PdStateSource[] = [];
afterEach(() => {
  for (const s of sources.splice(0)) s.stop();
});

function setup(fake = new FakePd()) {
  const clock = new FakeClock();
  const source = new PdStateSource(fake, { clock, fastIntervalMs: FAST, slowIntervalMs: SLOW });
  sources.push(source);
  const events: Array<{ keys: readonly string[]; changes: SnapshotChanges }> = [];
  source.subscribe((keys, changes) => events.push({ keys, changes }));
  return { fake, clock, source, events };
}

describe('what a poll reads', () => {
  test('the evict-leader list before the stores, so an evicting store never shows a leader count from before', async () => {
    const { fake, clock, source } = setup();
    let release = () => {};
    fake.gate = new Promise((resolve) => {
      release = resolve;
    });
    source.start();
    await clock.flush();
    expect(fake.readsStarted).toEqual(['evict']);
    // The scheduler is added while its list is being read; the stores are read after, and say so.
    fake.evicting = ['1'];
    fake.setStore(0, { leaderCount: 0 });
    release();
    fake.gate = undefined;
    await source.whenIdle();
    expect(fake.readsStarted.slice(1).sort()).toEqual(['down', 'health', 'members', 'miss', 'stores']);
    expect(source.snapshot().missPeerRegions).toEqual([]);
  });

  test('miss-peer regions mark the stores that hold their replicas', async () => {
    const { fake, clock, source, events } = setup();
    fake.miss = [{ regionId: '4', storeIds: ['1', '3'] }];
    source.start();
    await clock.flush();
    expect([0, 1, 2].map((i) => source.snapshot().stores.get(addr(i))?.missPeers)).toEqual([1, 0, 1]);
    fake.miss = [];
    source.refresh();
    await source.whenIdle();
    expect(events.at(-1)?.changes.stores).toEqual([addr(0), addr(2)]);
  });
});

describe('polling cadence', () => {
  test('polls at once, then slowly while nothing is in progress', async () => {
    const { fake, clock, source } = setup();
    source.start();
    await clock.flush();
    expect(source.pollCount()).toBe(1);
    expect(source.snapshot().synced).toBe(true);
    await clock.advance(SLOW - 1);
    expect(fake.pollsStarted).toBe(1);
    await clock.advance(1);
    expect(fake.pollsStarted).toBe(2);
    await clock.advance(SLOW);
    expect(fake.pollsStarted).toBe(3);
  });

  test('polls every second while marked busy, then slowly again', async () => {
    const { fake, clock, source } = setup();
    source.start();
    await clock.flush();
    source.markBusy(5_000);
    expect(source.fastReason()).toBe('busy');
    await clock.advance(FAST);
    expect(fake.pollsStarted).toBe(2);
    await clock.advance(4 * FAST);
    expect(fake.pollsStarted).toBe(6);
    expect(source.fastReason()).toBeUndefined();
    await clock.advance(SLOW - 1);
    expect(fake.pollsStarted).toBe(6);
    await clock.advance(1);
    expect(fake.pollsStarted).toBe(7);
  });

  test('polls fast on its own while a store is being removed, leaders are evicted or a member is unhealthy', async () => {
    const { fake, clock, source } = setup();
    source.start();
    await clock.flush();
    for (const [start, stop] of [
      [
        () => fake.setStore(1, { state: 'Offline', stateName: 'Offline', nodeState: 'Removing' }),
        () => fake.setStore(1, { state: 'Tombstone', stateName: 'Tombstone', nodeState: 'Removed' }),
      ],
      [
        () => {
          fake.evicting = ['1'];
        },
        () => {
          fake.evicting = [];
        },
      ],
      [() => fake.unhealthy.add('pd-2'), () => fake.unhealthy.clear()],
      [
        () => {
          fake.leader = undefined;
        },
        () => {
          fake.leader = 'pd-1';
        },
      ],
    ] as const) {
      start();
      source.refresh();
      await clock.flush();
      expect(source.fastReason()).toBeString();
      const before = fake.pollsStarted;
      await clock.advance(3 * FAST);
      expect(fake.pollsStarted).toBe(before + 3);
      stop();
      await clock.advance(FAST); // this poll sees the end of it
      const settled = fake.pollsStarted;
      expect(source.fastReason()).toBeUndefined();
      await clock.advance(SLOW - 1);
      expect(fake.pollsStarted).toBe(settled);
      await clock.advance(1);
    }
  });

  test('a write through the client refreshes at once and keeps polling fast for a while', async () => {
    const { fake, clock, source, events } = setup();
    source.start();
    await clock.flush();
    await clock.advance(5_000);
    fake.setStore(2, { state: 'Offline', stateName: 'Offline', nodeState: 'Removing' });
    fake.wrote();
    await clock.flush();
    expect(fake.pollsStarted).toBe(2);
    expect(events.at(-1)?.keys).toEqual([addr(2)]);
    fake.setStore(2, { state: 'Up', stateName: 'Up', nodeState: 'Serving' }); // cancelled
    await clock.advance(FAST);
    expect(fake.pollsStarted).toBe(3);
    await clock.advance(FAST); // still within the 10 s after the write
    expect(fake.pollsStarted).toBe(4);
  });

  test('a refresh during a poll in flight polls once more right after it', async () => {
    const { fake, clock, source } = setup();
    let open: () => void = () => {};
    fake.gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    source.start();
    await clock.flush();
    source.refresh();
    source.refresh();
    expect(fake.pollsStarted).toBe(1);
    fake.gate = undefined;
    open();
    await clock.flush();
    await source.whenIdle();
    expect(fake.pollsStarted).toBe(2);
    expect(source.pollCount()).toBe(2);
  });
});

describe('change events', () => {
  test('the first poll reports every member and store', async () => {
    const { clock, source, events } = setup();
    source.start();
    await clock.flush();
    expect(events).toHaveLength(1);
    expect(events[0]?.changes).toEqual({ members: ['pd-0', 'pd-1', 'pd-2'], stores: [0, 1, 2].map(addr) });
  });

  test('leader change, store state change, store added and removed, leader count to zero', async () => {
    const { fake, clock, source, events } = setup();
    source.start();
    await clock.flush();
    const step = async (change: () => void) => {
      change();
      events.length = 0;
      source.refresh();
      await clock.flush();
      return events.map((e) => e.keys);
    };
    expect(
      await step(() => {
        fake.leader = 'pd-2';
      }),
    ).toEqual([['pd-0', 'pd-2']]);
    expect(await step(() => fake.setStore(0, { stateName: 'Disconnected' }))).toEqual([[addr(0)]]);
    expect(await step(() => fake.storeList.push(fakeStore(3)))).toEqual([[addr(3)]]);
    expect(
      await step(() => {
        fake.storeList = fake.storeList.filter((s) => s.address !== addr(1));
      }),
    ).toEqual([[addr(1)]]);
    expect(await step(() => fake.setStore(2, { leaderCount: 1 }))).toEqual([]);
    expect(await step(() => fake.setStore(2, { leaderCount: 0 }))).toEqual([[addr(2)]]);
    expect(source.snapshot().stores.get(addr(2))?.leaderCount).toBe(0);
    expect(await step(() => {})).toEqual([]);
  });

  test('a listener that throws does not stop the others', async () => {
    const { clock, source, events } = setup();
    source.subscribe(() => {
      throw new Error('boom');
    });
    source.start();
    await clock.flush();
    expect(events).toHaveLength(1);
  });
});

describe('errors', () => {
  test('a failed poll keeps the last snapshot, marks it stale and backs off; recovery clears it', async () => {
    const { fake, clock, source, events } = setup();
    source.start();
    await clock.flush();
    const before = source.snapshot();
    fake.failing = new Set(['stores', 'members']);
    fake.setStore(0, { state: 'Offline' });
    source.refresh();
    await clock.flush();
    const stale = source.snapshot();
    expect(stale.stale).toBe(true);
    expect(stale.synced).toBe(true);
    expect(stale.error).toContain('unreachable');
    expect(stale.stores).toEqual(before.stores);
    expect(stale.members).toBe(before.members);
    expect(stale.fetchedAt).toBe(before.fetchedAt);
    expect(events).toHaveLength(1);
    // Backoff from the fast interval: 1 s, 2 s, 4 s.
    const polls = () => fake.pollsStarted;
    const p0 = polls();
    await clock.advance(FAST);
    expect(polls()).toBe(p0 + 1);
    await clock.advance(2 * FAST - 1);
    expect(polls()).toBe(p0 + 1);
    await clock.advance(1);
    expect(polls()).toBe(p0 + 2);
    fake.failing.clear();
    await clock.advance(4 * FAST);
    expect(source.snapshot().stale).toBe(false);
    expect(source.snapshot().stores.get(addr(0))?.state).toBe('Offline');
    expect(events.at(-1)?.keys).toEqual([addr(0)]);
  });

  test('a PD that never answered leaves the snapshot unsynced', async () => {
    const fake = new FakePd();
    fake.failing = new Set(['members', 'health', 'stores', 'evict', 'down']);
    const { clock, source, events } = setup(fake);
    source.start();
    await clock.flush();
    expect(source.snapshot()).toMatchObject({ synced: false, stale: true });
    expect(events).toEqual([]);
  });
});

describe('stop', () => {
  test('stop cancels the timer and the poll in flight; no event afterwards', async () => {
    const { fake, clock, source, events } = setup();
    source.start();
    await clock.flush();
    expect(clock.pendingTimers()).toBe(1);
    let open: () => void = () => {};
    fake.gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    fake.leader = 'pd-1';
    source.refresh();
    source.stop();
    open();
    await clock.advance(10 * SLOW);
    expect(clock.pendingTimers()).toBe(0);
    expect(fake.pollsStarted).toBe(2);
    expect(events).toHaveLength(1);
    fake.wrote();
    source.refresh();
    source.markBusy(1_000);
    await clock.advance(SLOW);
    expect(fake.pollsStarted).toBe(2);
  });
});

describe('against the simulator', () => {
  test('scale-in of a store and leader eviction reach listeners through the real client', async () => {
    const pd = servePd({ stores: 4 });
    try {
      tickUntilSettled(pd.model);
      const clock = new FakeClock();
      const client = pd.client();
      const source = new PdStateSource(client, { clock, fastIntervalMs: FAST, slowIntervalMs: SLOW });
      sources.push(source);
      const seen: string[][] = [];
      source.subscribe((keys) => seen.push([...keys]));
      source.start();
      await until(() => source.snapshot().synced, 'first poll');
      expect(source.snapshot().clusterId).toBe(pd.model.clusterId.toString());
      expect([...source.snapshot().members.values()].map((m) => m.id)).toEqual(
        pd.model.members().map((m) => m.memberId.toString()),
      );
      expect(seen[0]).toEqual([...[0, 1, 2].map(pdName), ...[0, 1, 2, 3].map(storeAddress)].sort());
      expect(source.fastReason()).toBeUndefined();

      // A write through the client: the source re-reads at once.
      const victim = storeIdAt(pd.model, 3);
      seen.length = 0;
      expect(await client.deleteStore(victim)).toBe('offline');
      await until(() => seen.length > 0, 'refresh after the write');
      expect(seen[0]).toEqual([storeAddress(3)]);
      expect(source.snapshot().stores.get(storeAddress(3))?.state).toBe('Offline');
      expect(source.fastReason()).toBeString();

      // PD finishes the removal; the next fast poll sees the Tombstone.
      tickUntil(pd.model, () => pd.model.store(victim)?.state === 'Tombstone');
      seen.length = 0;
      const polls = source.pollCount();
      await clock.advance(FAST);
      await until(() => source.pollCount() > polls, 'fast poll');
      await source.whenIdle();
      expect(seen.flat()).toContain(storeAddress(3));
      expect(source.snapshot().stores.get(storeAddress(3))?.stateName).toBe('Tombstone');

      // Leader eviction: the store's leader count reaches zero.
      const evicted = storeIdAt(pd.model, 0);
      await client.addEvictLeaderScheduler(evicted);
      await until(() => source.snapshot().stores.get(storeAddress(0))?.evicting === true, 'eviction seen');
      tickUntil(pd.model, () => pd.model.storeStatus(evicted).leaderCount === 0);
      seen.length = 0;
      const before = source.pollCount();
      await clock.advance(FAST);
      await until(() => source.pollCount() > before, 'fast poll');
      await source.whenIdle();
      expect(seen.flat()).toContain(storeAddress(0));
      expect(source.snapshot().stores.get(storeAddress(0))?.leaderCount).toBe(0);

      // A leader transfer reports the old and the new leader.
      const oldLeader = pd.model.leader()?.name as string;
      const newLeader = pd.model.members().find((m) => m.name !== oldLeader)?.name as string;
      seen.length = 0;
      await client.transferLeader(newLeader);
      await until(() => source.snapshot().leader === newLeader, 'transfer seen');
      await source.whenIdle();
      expect(seen.flat()).toEqual(expect.arrayContaining([oldLeader, newLeader]));
    } finally {
      await pd.stop();
    }
  });
});
