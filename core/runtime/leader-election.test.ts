import { describe, expect, test } from 'bun:test';
import { kinds } from '../kube/object.ts';
import { FakeClock } from './clock.ts';
import { LeaderElector } from './leader-election.ts';
import type { Lease } from './lease.ts';
import { FakeLeaseStore } from './testing/fake-lease-client.ts';

const LEASE_KEY = 'ops/tikv-operator';

interface Candidate {
  name: string;
  elector: LeaderElector;
  client: ReturnType<FakeLeaseStore['client']>;
  /** `started@<s>`, `stopped@<s>`, `leader=<id>@<s>`, seconds since the test began. */
  events: string[];
  leadSignal?: AbortSignal;
  stop(): Promise<void>;
  done: Promise<void>;
}

function world() {
  const clock = new FakeClock();
  const t0 = clock.now();
  const store = new FakeLeaseStore();
  const at = () => (clock.now() - t0) / 1000;
  const lease = () => store.read<Lease>(LEASE_KEY);

  function candidate(
    name: string,
    opts: { stopWork?: () => Promise<void>; observer?: { leading(v: boolean): void } } = {},
  ): Candidate {
    const client = store.client(name);
    const events: string[] = [];
    const ac = new AbortController();
    const c: Partial<Candidate> = { name, client, events };
    const elector = new LeaderElector({
      client,
      namespace: 'ops',
      name: 'tikv-operator',
      identity: name,
      clock,
      observer: opts.observer,
      callbacks: {
        onStartedLeading: (signal) => {
          c.leadSignal = signal;
          events.push(`started@${at()}`);
        },
        onStoppedLeading: async () => {
          await opts.stopWork?.();
          events.push(`stopped@${at()}`);
        },
        onNewLeader: (id) => events.push(`leader=${id}@${at()}`),
      },
    });
    c.elector = elector;
    c.done = elector.run(ac.signal);
    c.stop = async () => {
      ac.abort();
      await c.done;
    };
    return c as Candidate;
  }

  return { clock, store, at, lease, candidate };
}

describe('LeaderElector', () => {
  test('creates the missing lease and leads, renewing every retry period', async () => {
    const w = world();
    const a = w.candidate('a');
    await w.clock.flush();
    expect(a.elector.isLeader()).toBe(true);
    expect(a.events).toEqual(['leader=a@0', 'started@0']);
    expect(w.lease()?.spec).toMatchObject({ holderIdentity: 'a', leaseTransitions: 0, leaseDurationSeconds: 15 });
    const firstRenew = w.lease()?.spec?.renewTime;
    await w.clock.advance(2000);
    expect(w.lease()?.spec?.renewTime).not.toBe(firstRenew);
    expect(w.lease()?.spec?.renewTime).toBe('2026-01-01T00:00:02.000000Z');
    // While leading, a renewal is a single write over the lease it wrote last, without a read.
    expect(w.store.requests).toEqual([
      'a get ops/tikv-operator',
      'a create ops/tikv-operator',
      'a replace ops/tikv-operator',
    ]);
    await a.stop();
  });

  test('of two candidates one leads and the other follows', async () => {
    const w = world();
    const a = w.candidate('a');
    const b = w.candidate('b');
    await w.clock.advance(60_000);
    const leaders = [a, b].filter((c) => c.elector.isLeader()).map((c) => c.name);
    expect(leaders).toHaveLength(1);
    const follower = leaders[0] === 'a' ? b : a;
    // The loser of the create race learns the leader at its next attempt.
    expect(follower.events).toEqual([`leader=${leaders[0]}@2`]);
    expect(follower.elector.leader()).toBe(leaders[0]);
    await a.stop();
    await b.stop();
  });

  test('a follower takes over only after the leader stopped renewing for a lease duration, and after the leader stepped down', async () => {
    const w = world();
    const a = w.candidate('a');
    await w.clock.flush();
    const b = w.candidate('b');
    await w.clock.advance(4000);
    a.client.down = true; // a is cut off from the apiserver right after its renewal at 4 s
    await w.clock.advance(30_000);
    expect(a.elector.isLeader()).toBe(false);
    expect(a.leadSignal?.aborted).toBe(true);
    expect(b.elector.isLeader()).toBe(true);
    // a renewed at 4 s and steps down at its renew deadline (14 s); b saw that renewal at 4 s and waits
    // 15 s on its own clock (19 s), then at most one retry period for its next attempt.
    expect(a.events).toEqual(['leader=a@0', 'started@0', 'stopped@14']);
    expect(b.events).toEqual(['leader=a@0', 'leader=b@20', 'started@20']);
    expect(w.lease()?.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    await a.stop();
    await b.stop();
  });

  test('a leader whose renewals hang steps down at the renew deadline', async () => {
    const w = world();
    const a = w.candidate('a');
    await w.clock.advance(2000);
    a.client.stalled = true;
    await w.clock.advance(20_000);
    expect(a.events).toEqual(['leader=a@0', 'started@0', 'stopped@12']);
    expect(a.elector.isLeader()).toBe(false);
    a.client.stalled = false;
    await a.stop();
  });

  test('a leader that lost its renewals leads again when the apiserver is back and nobody took over', async () => {
    const w = world();
    const a = w.candidate('a');
    await w.clock.flush();
    a.client.down = true;
    await w.clock.advance(11_000);
    expect(a.elector.isLeader()).toBe(false);
    a.client.down = false;
    await w.clock.advance(2000);
    expect(a.elector.isLeader()).toBe(true);
    expect(a.events).toEqual(['leader=a@0', 'started@0', 'stopped@10', 'started@12']);
    expect(w.lease()?.spec?.leaseTransitions).toBe(0);
    await a.stop();
  });

  test('a leader that sees another holder steps down at once', async () => {
    const w = world();
    const a = w.candidate('a');
    await w.clock.advance(1000);
    // Someone (a partitioned view, a manual edit) hands the lease to x: a's next renewal conflicts.
    const lease = w.lease()!;
    await w.store.client('admin').replace(kinds.Lease, { ...lease, spec: { ...lease.spec, holderIdentity: 'x' } });
    await w.clock.advance(1000); // 2 s: renewal conflicts
    await w.clock.advance(2000); // 4 s: reads the lease, sees x
    expect(a.elector.isLeader()).toBe(false);
    expect(a.events).toEqual(['leader=a@0', 'started@0', 'leader=x@4', 'stopped@4']);
    await a.stop();
  });

  test('on shutdown the leader keeps renewing until its work stopped, then releases, and a successor takes over at once', async () => {
    const w = world();
    const a = w.candidate('a', { stopWork: () => new Promise<void>((resolve) => w.clock.after(5000, resolve)) });
    await w.clock.flush();
    const b = w.candidate('b');
    await w.clock.advance(10_000);
    const stopping = a.stop();
    await w.clock.advance(4000);
    // Still draining: the lease is renewed and b keeps following.
    expect(a.leadSignal?.aborted).toBe(true);
    expect(a.elector.isLeader()).toBe(true);
    expect(w.lease()?.spec?.renewTime).toBe('2026-01-01T00:00:14.000000Z');
    expect(b.elector.isLeader()).toBe(false);
    await w.clock.advance(1000);
    await stopping;
    expect(a.events).toEqual(['leader=a@0', 'started@0', 'stopped@15']);
    expect(w.lease()?.spec?.holderIdentity).toBeUndefined();
    expect(w.lease()?.spec?.leaseDurationSeconds).toBe(1);
    await w.clock.advance(2000);
    expect(b.elector.isLeader()).toBe(true);
    expect(b.events).toEqual(['leader=a@0', 'leader=b@16', 'started@16']);
    expect(w.lease()?.spec?.leaseTransitions).toBe(1);
    await b.stop();
  });

  test('without releaseOnCancel the lease stays with the stopped leader until it expires', async () => {
    const w = world();
    const client = w.store.client('a');
    const ac = new AbortController();
    const elector = new LeaderElector({
      client,
      namespace: 'ops',
      name: 'tikv-operator',
      identity: 'a',
      clock: w.clock,
      releaseOnCancel: false,
      callbacks: { onStartedLeading: () => {}, onStoppedLeading: () => {} },
    });
    const done = elector.run(ac.signal);
    await w.clock.flush();
    ac.abort();
    await w.clock.flush();
    await done;
    expect(w.lease()?.spec?.holderIdentity).toBe('a');
    expect(await elector.release()).toBe(true);
    expect(w.lease()?.spec?.holderIdentity).toBeUndefined();
  });

  test('a follower that shuts down writes nothing', async () => {
    const w = world();
    const a = w.candidate('a');
    await w.clock.flush();
    const b = w.candidate('b');
    await w.clock.advance(3000);
    await b.stop();
    expect(w.store.requests.filter((r) => r.startsWith('b ') && !r.startsWith('b get'))).toEqual([]);
    await a.stop();
  });

  test('candidates racing to create the lease: exactly one wins', async () => {
    const w = world();
    const cs = ['a', 'b', 'c'].map((n) => w.candidate(n));
    await w.clock.advance(10_000);
    expect(cs.filter((c) => c.elector.isLeader())).toHaveLength(1);
    expect(w.store.requests.filter((r) => r.includes('create'))).toHaveLength(3);
    for (const c of cs) await c.stop();
  });

  test('reports leadership changes to the observer', async () => {
    const w = world();
    const seen: boolean[] = [];
    const a = w.candidate('a', { observer: { leading: (v) => seen.push(v) } });
    await w.clock.flush();
    await a.stop();
    expect(seen).toEqual([true, false]);
  });
});
