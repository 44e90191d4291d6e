// How long a failing key waits before its next attempt. A separate layer from the queue (as in client-go), so
// the queue's dedup semantics stay independent of the retry policy.

/** Decides the delay before a key's next retry and remembers how often it has failed. */
export interface RateLimiter {
  /** Records one more failure of `key` and returns how long to wait before retrying it. */
  when(key: string): number;
  /** Clears the failure history of `key` (after a success). */
  forget(key: string): void;
  /** How many failures of `key` are on record. */
  numRequeues(key: string): number;
}

export interface BackoffOptions {
  /** Delay after the first failure. */
  baseDelayMs: number;
  /** Upper bound of the delay. */
  maxDelayMs: number;
}

/**
 * 500 ms after the first failure, doubling, capped at 60 s. Most reconcile errors here are short-lived (a 409
 * from a concurrent write, PD briefly unreachable), so the first retries are quick; the cap stays close to
 * tidb-operator's 60 s because data-plane recovery arrives as pushed events, not by waiting out a long backoff.
 */
export const defaultBackoff: BackoffOptions = { baseDelayMs: 500, maxDelayMs: 60_000 };

/** Per-key exponential backoff: base * 2^(failures so far), capped at max. */
export class ExponentialBackoff implements RateLimiter {
  private readonly failures = new Map<string, number>();
  private readonly opts: BackoffOptions;

  constructor(opts: Partial<BackoffOptions> = {}) {
    this.opts = { ...defaultBackoff, ...opts };
    if (this.opts.baseDelayMs <= 0 || this.opts.maxDelayMs < this.opts.baseDelayMs) {
      throw new Error(
        `invalid backoff: base ${this.opts.baseDelayMs} ms must be positive and at most max ${this.opts.maxDelayMs} ms`,
      );
    }
  }

  when(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    // 2^n overflows to Infinity for large n, which Math.min turns into the cap.
    return Math.min(this.opts.baseDelayMs * 2 ** n, this.opts.maxDelayMs);
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }
}
