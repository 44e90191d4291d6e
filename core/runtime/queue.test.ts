// A key is in the queue at most once, is processed by one worker at a time, and is processed again if it was added while being processed.
import { describe, expect, test } from 'bun:test';
import { FakeClock } from './clock.ts';
import { type QueueMetrics, WorkQueue } from './queue.ts';
import { ExponentialBackoff } from './rate-limiter.ts';

function newQueue(clock = new FakeClock(), metrics?: QueueMetrics) {
  return new WorkQueue({ clock, rateLimiter: new ExponentialBackoff({ baseDelayMs: 500, maxDelayMs: 4000 }), metrics });
}

/** Resolves with the getter's value, or with 'pending' if it has not resolved after pending callbacks ran. */
async function peek(p: Promise<string | undefined>): Promise<string | undefined | 'pending'> {
  const marker = Symbol('pending');
  const result = await Promise.race([p, new Promise<symbol>((r) => setImmediate(() => r(marker)))]);
  return result === marker ? 'pending' : (result as string | undefined);
}

describe('WorkQueue', () => {
  test('a key added twice is queued once', async () => {
    const q = newQueue();
    q.add('ns/a');
    q.add('ns/a');
    q.add('ns/b');
    expect(q.len()).toBe(2);
    expect(await q.get()).toBe('ns/a');
    expect(await q.get()).toBe('ns/b');
    expect(q.len()).toBe(0);
  });

  test('keys are handed out in the order they were added', async () => {
    const q = newQueue();
    for (const k of ['c', 'a', 'b']) q.add(k);
    expect([await q.get(), await q.get(), await q.get()]).toEqual(['c', 'a', 'b']);
  });

  test('a waiting getter receives the next added key', async () => {
    const q = newQueue();
    const waiting = q.get();
    expect(await peek(waiting)).toBe('pending');
    q.add('k');
    expect(await waiting).toBe('k');
  });

  test('a key being processed is not handed to a second worker', async () => {
    const q = newQueue();
    q.add('k');
    expect(await q.get()).toBe('k');
    q.add('k');
    expect(q.len()).toBe(0);
    const second = q.get();
    expect(await peek(second)).toBe('pending');
    q.done('k');
    expect(await second).toBe('k');
  });

  test('a key added while being processed is processed again after done', async () => {
    const q = newQueue();
    q.add('k');
    await q.get();
    q.add('k');
    q.add('k');
    q.done('k');
    expect(q.len()).toBe(1);
    expect(await q.get()).toBe('k');
    q.done('k');
    expect(q.len()).toBe(0);
  });

  test('a key not added again while processed is not re-queued by done', async () => {
    const q = newQueue();
    q.add('k');
    await q.get();
    q.done('k');
    expect(q.len()).toBe(0);
  });

  test('addAfter adds the key only when the delay has passed', async () => {
    const clock = new FakeClock();
    const q = newQueue(clock);
    q.addAfter('k', 1000);
    await clock.advance(999);
    expect(q.len()).toBe(0);
    await clock.advance(1);
    expect(q.len()).toBe(1);
  });

  test('addAfter keeps the earliest deadline of a key', async () => {
    const clock = new FakeClock();
    const q = newQueue(clock);
    q.addAfter('k', 5000);
    q.addAfter('k', 1000);
    q.addAfter('k', 3000);
    await clock.advance(1000);
    expect(await q.get()).toBe('k');
    q.done('k');
    await clock.advance(10_000);
    expect(q.len()).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  test('addAfter with no delay adds at once', () => {
    const q = newQueue();
    q.addAfter('k', 0);
    expect(q.len()).toBe(1);
  });

  test('rate-limited adds back off exponentially and stop at the cap', async () => {
    const clock = new FakeClock();
    const q = newQueue(clock);
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      const start = clock.now();
      q.addRateLimited('k');
      while (q.len() === 0) await clock.advance(100);
      delays.push(clock.now() - start);
      await q.get();
      q.done('k');
    }
    expect(delays).toEqual([500, 1000, 2000, 4000, 4000, 4000]);
    expect(q.numRequeues('k')).toBe(6);
  });

  test('forget resets the backoff of a key only', async () => {
    const clock = new FakeClock();
    const q = newQueue(clock);
    q.addRateLimited('a');
    q.addRateLimited('a');
    q.addRateLimited('b');
    q.forget('a');
    expect(q.numRequeues('a')).toBe(0);
    expect(q.numRequeues('b')).toBe(1);
    q.addRateLimited('a');
    await clock.advance(500);
    expect(q.len()).toBe(2);
  });

  test('shutDown resolves waiting getters with undefined and ignores later adds', async () => {
    const q = newQueue();
    const waiting = [q.get(), q.get()];
    q.shutDown();
    expect(await Promise.all(waiting)).toEqual([undefined, undefined]);
    q.add('k');
    expect(q.len()).toBe(0);
    expect(await q.get()).toBeUndefined();
  });

  test('shutDown drops queued and delayed keys', async () => {
    const clock = new FakeClock();
    const q = newQueue(clock);
    q.add('a');
    q.addAfter('b', 1000);
    q.shutDown();
    expect(q.len()).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
    expect(await q.get()).toBeUndefined();
  });

  test('shutDownWithDrain waits until in-flight keys are done', async () => {
    const q = newQueue();
    q.add('a');
    q.add('b');
    await q.get();
    await q.get();
    let drained = false;
    const drain = q.shutDownWithDrain().then(() => {
      drained = true;
    });
    q.done('a');
    await Promise.resolve();
    expect(drained).toBe(false);
    q.add('b'); // refused: no new work during the drain
    q.done('b');
    await drain;
    expect(drained).toBe(true);
    expect(q.len()).toBe(0);
  });

  test('shutDownWithDrain resolves at once when nothing is in flight', async () => {
    const q = newQueue();
    q.add('a');
    await q.shutDownWithDrain();
    expect(q.isShuttingDown()).toBe(true);
  });

  test('reports depth, adds, waiting and work time, and retries to the metrics hooks', async () => {
    const clock = new FakeClock();
    const seen = { depth: [] as number[], added: 0, waited: [] as number[], work: [] as number[], retried: 0 };
    const q = newQueue(clock, {
      depth: (n) => seen.depth.push(n),
      added: () => seen.added++,
      dequeued: (s) => seen.waited.push(s),
      processed: (s) => seen.work.push(s),
      retried: () => seen.retried++,
    });
    q.add('a');
    q.add('a');
    await clock.advance(30);
    await q.get();
    await clock.advance(70);
    q.done('a');
    q.addRateLimited('a');
    expect(seen).toEqual({ depth: [1, 0], added: 1, waited: [0.03], work: [0.07], retried: 1 });
  });

  test('polls the age of in-flight work until shutdown', async () => {
    const clock = new FakeClock();
    const polls: [number, number][] = [];
    const q = newQueue(clock, { inFlight: (sum, longest) => polls.push([sum, longest]) });
    q.add('a');
    q.add('b');
    await q.get();
    await clock.advance(500);
    await q.get();
    await clock.advance(500);
    expect(polls).toEqual([
      [0.5, 0.5],
      [1.5, 1],
    ]);
    q.shutDown();
    expect(clock.pendingTimers()).toBe(0);
  });
});
