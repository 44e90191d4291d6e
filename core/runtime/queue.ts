// A key is in the queue at most once, is processed by one worker at a time, and is processed again if it was added while being processed.
//
// The `dirty` set holds keys that need processing, `processing` the keys a worker holds. A key added while it
// is processed stays only in `dirty` and goes back into the queue when its worker calls `done`. Delays
// (`addAfter`) and per-key retry backoff (`addRateLimited`) are layered on top and end in a plain `add`.
import { type CancelTimer, type Clock, realClock } from './clock.ts';
import { ExponentialBackoff, type RateLimiter } from './rate-limiter.ts';

/**
 * Optional hooks for queue metrics, with client-go's workqueue semantics; core/observability's
 * `queueObserver(name)` implements them with Prometheus series. Times are in seconds.
 */
export interface QueueMetrics {
  /** A key became queued (adds of a key that is already waiting are no-ops and not counted). */
  added?(): void;
  /** Number of keys waiting to be handed out; called after every change. */
  depth?(keysWaiting: number): void;
  /** A worker took a key that had waited this long since it became queued. */
  dequeued?(waitedSeconds: number): void;
  /** A worker finished a key it had held this long (get to done). */
  processed?(workSeconds: number): void;
  /** A key was re-added through the rate limiter. */
  retried?(): void;
  /** Polled every 500 ms while the queue runs: summed age of all in-flight work and the oldest one's age. */
  inFlight?(unfinishedSeconds: number, longestRunningSeconds: number): void;
}

/** How often `QueueMetrics.inFlight` is polled (client-go's unfinished-work update period). */
export const IN_FLIGHT_POLL_MS = 500;

export interface WorkQueueOptions {
  clock?: Clock;
  /** Retry policy of `addRateLimited`; defaults to ExponentialBackoff with `defaultBackoff`. */
  rateLimiter?: RateLimiter;
  metrics?: QueueMetrics;
}

interface Delayed {
  at: number;
  cancel: CancelTimer;
}

export class WorkQueue {
  private readonly clock: Clock;
  private readonly limiter: RateLimiter;
  private readonly metrics: QueueMetrics;

  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly delayed = new Map<string, Delayed>();
  /** When each queued key entered the queue (for the latency metric). */
  private readonly queuedAt = new Map<string, number>();
  /** When each processing key was handed out (for the work duration metric). */
  private readonly startedAt = new Map<string, number>();
  private readonly getters: ((key: string | undefined) => void)[] = [];
  private drainers: (() => void)[] = [];
  private shuttingDown = false;
  private cancelPoll: CancelTimer | undefined;

  constructor(opts: WorkQueueOptions = {}) {
    this.clock = opts.clock ?? realClock;
    this.limiter = opts.rateLimiter ?? new ExponentialBackoff();
    this.metrics = opts.metrics ?? {};
    if (this.metrics.inFlight) this.pollInFlight();
  }

  /** Marks `key` as needing processing. No-op while it is already queued, or after shutdown. */
  add(key: string): void {
    if (this.shuttingDown) return;
    if (this.dirty.has(key)) return;
    this.dirty.add(key);
    this.metrics.added?.();
    // A key in processing is re-queued by `done`, so that a second worker never gets it concurrently.
    if (this.processing.has(key)) return;
    this.push(key);
  }

  /**
   * The next key to process; waits while the queue is empty. Resolves with undefined once the queue shuts
   * down (also for callers already waiting). The caller must call `done(key)` when finished.
   */
  get(): Promise<string | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    const key = this.queue.shift();
    if (key !== undefined) return Promise.resolve(this.handOut(key));
    return new Promise((resolve) => this.getters.push(resolve));
  }

  /** Releases `key` after processing; re-queues it when it was added meanwhile. */
  done(key: string): void {
    if (!this.processing.delete(key)) return;
    const started = this.startedAt.get(key);
    this.startedAt.delete(key);
    if (started !== undefined) this.metrics.processed?.((this.clock.now() - started) / 1000);
    if (this.dirty.has(key) && !this.shuttingDown) this.push(key);
    if (this.processing.size === 0 && this.drainers.length > 0) {
      const drainers = this.drainers;
      this.drainers = [];
      for (const resolve of drainers) resolve();
    }
  }

  /** Adds `key` after `ms`. When the key already waits for a delayed add, the earlier deadline wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.clock.now() + ms;
    const existing = this.delayed.get(key);
    if (existing && existing.at <= at) return;
    existing?.cancel();
    const cancel = this.clock.after(ms, () => {
      this.delayed.delete(key);
      this.add(key);
    });
    this.delayed.set(key, { at, cancel });
  }

  /** Adds `key` after the rate limiter's backoff for it (the delay grows with each call until `forget`). */
  addRateLimited(key: string): void {
    if (this.shuttingDown) return;
    this.metrics.retried?.();
    this.addAfter(key, this.limiter.when(key));
  }

  /** Resets the backoff of `key`; call it when processing succeeded. Does not remove a pending delayed add. */
  forget(key: string): void {
    this.limiter.forget(key);
  }

  /** How many times `key` was re-added through `addRateLimited` since the last `forget`. */
  numRequeues(key: string): number {
    return this.limiter.numRequeues(key);
  }

  /** Keys waiting to be handed out (not counting delayed adds or keys being processed). */
  len(): number {
    return this.queue.length;
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /**
   * Stops the queue at once: waiting and future `get` calls resolve with undefined, queued and delayed keys
   * are dropped and adds are ignored. Unlike client-go, queued keys are not handed out any more: reconciles
   * are level-triggered, and a controller that starts again re-lists every object anyway.
   */
  shutDown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    this.cancelPoll?.();
    for (const { cancel } of this.delayed.values()) cancel();
    this.delayed.clear();
    this.queue.length = 0;
    this.dirty.clear();
    this.queuedAt.clear();
    this.metrics.depth?.(0);
    for (const resolve of this.getters.splice(0)) resolve(undefined);
  }

  /** Shuts down like `shutDown`, then resolves once every key handed out has been marked `done`. */
  shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainers.push(resolve));
  }

  private pollInFlight(): void {
    this.cancelPoll = this.clock.after(IN_FLIGHT_POLL_MS, () => {
      const now = this.clock.now();
      let unfinished = 0;
      let longest = 0;
      for (const started of this.startedAt.values()) {
        unfinished += now - started;
        longest = Math.max(longest, now - started);
      }
      this.metrics.inFlight?.(unfinished / 1000, longest / 1000);
      this.pollInFlight();
    });
  }

  private push(key: string): void {
    this.queuedAt.set(key, this.clock.now());
    const getter = this.getters.shift();
    if (getter) {
      getter(this.handOut(key));
      return;
    }
    this.queue.push(key);
    this.metrics.depth?.(this.queue.length);
  }

  private handOut(key: string): string {
    const now = this.clock.now();
    const queued = this.queuedAt.get(key);
    this.queuedAt.delete(key);
    if (queued !== undefined) this.metrics.dequeued?.((now - queued) / 1000);
    this.metrics.depth?.(this.queue.length);
    this.dirty.delete(key);
    this.processing.add(key);
    this.startedAt.set(key, now);
    return key;
  }
}
