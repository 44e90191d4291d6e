// Time as a dependency: the queue, the controllers and the leader elector read the time and schedule timers
// only through a Clock, so tests drive them with FakeClock instead of waiting on the wall clock.

/** Cancels a scheduled timer; calling it after the timer fired (or twice) does nothing. */
export type CancelTimer = () => void;

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Calls `fn` once, `ms` milliseconds from now. */
  after(ms: number, fn: () => void): CancelTimer;
}

// setTimeout fires immediately for delays above 2^31-1 ms (about 24.8 days), so longer delays are chained.
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** The wall clock: Date.now and setTimeout. */
export const realClock: Clock = {
  now: () => Date.now(),
  after(ms, fn) {
    let handle: ReturnType<typeof setTimeout> | undefined;
    const deadline = Date.now() + Math.max(0, ms);
    const arm = (delay: number) => {
      handle = setTimeout(
        () => {
          const left = deadline - Date.now();
          if (left > 0) arm(left);
          else fn();
        },
        Math.min(delay, MAX_TIMEOUT_MS),
      );
    };
    arm(Math.max(0, ms));
    return () => clearTimeout(handle);
  },
};

/**
 * Resolves after `ms` on `clock`: with true when the time passed, with false as soon as `signal` aborts.
 * Never rejects, so loops can `if (!(await sleep(...))) break`.
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      cancel();
      resolve(false);
    };
    const cancel = clock.after(ms, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Settles with the promise's value, or with `timedOut: true` when `ms` pass first (the promise keeps running). */
export function withTimeout<T>(
  clock: Clock,
  ms: number,
  promise: Promise<T>,
): Promise<{ timedOut: false; value: T } | { timedOut: true }> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const cancel = clock.after(ms, () => {
      if (settled) return;
      settled = true;
      resolve({ timedOut: true });
    });
    promise.then(
      (value) => {
        if (settled) return;
        settled = true;
        cancel();
        resolve({ timedOut: false, value });
      },
      (error: unknown) => {
        if (settled) return;
        settled = true;
        cancel();
        reject(error);
      },
    );
  });
}

interface FakeTimer {
  at: number;
  seq: number;
  fn: () => void;
}

/**
 * A clock that only moves when a test calls `advance`. Timers fire in deadline order (ties in the order they
 * were scheduled), each with `now()` equal to its deadline, and timers scheduled by a firing timer (or by code
 * that a fired timer resumed) fire too when they fall within the advanced interval.
 */
export class FakeClock implements Clock {
  private current: number;
  private seq = 0;
  private timers: FakeTimer[] = [];

  /** Starts at a fixed instant (2026-01-01T00:00:00Z by default) so formatted times are reproducible. */
  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  after(ms: number, fn: () => void): CancelTimer {
    const timer: FakeTimer = { at: this.current + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  /** Number of timers not yet fired or cancelled. */
  pendingTimers(): number {
    return this.timers.length;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way. Pending promise callbacks run
   * before each timer and at the end, so async code resumed by a timer can schedule the next one in time.
   */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      await settle();
      const next = this.nextDue(target);
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.current = next.at;
      next.fn();
    }
    this.current = target;
    await settle();
  }

  /** Runs pending promise callbacks without moving time (fires timers that are already due). */
  flush(): Promise<void> {
    return this.advance(0);
  }

  private nextDue(target: number): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const t of this.timers) {
      if (t.at > target) continue;
      if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    }
    return best;
  }
}

// A macrotask boundary: every queued microtask (promise continuation) runs before it, including chains that
// queue further microtasks. A few rounds cover continuations that themselves wait on a macrotask.
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
