// How long a reflector waits before it lists or watches again after a failure. Exponential with jitter, so
// that many informers failing together (an apiserver restart) do not come back in lockstep, and reset after a
// healthy stretch, so that one failure a day does not inherit yesterday's 30 s delay.

export interface ReconnectBackoffOptions {
  /** First delay. Default 500 ms. */
  initialMs: number;
  /** Cap. Default 30 s (client-go's reflector caps at 30 s too). */
  maxMs: number;
  /** Each delay is scaled by a random factor in [1 - jitter, 1 + jitter]. Default 0.2. */
  jitter: number;
  /** A connection that stayed up this long makes the next failure start from `initialMs` again. Default 60 s. */
  resetAfterMs: number;
}

export const defaultReconnectBackoff: ReconnectBackoffOptions = {
  initialMs: 500,
  maxMs: 30_000,
  jitter: 0.2,
  resetAfterMs: 60_000,
};

export class ReconnectBackoff {
  private readonly opts: ReconnectBackoffOptions;
  private failures = 0;
  private healthySince: number | undefined;

  constructor(
    opts: Partial<ReconnectBackoffOptions> = {},
    private readonly random: () => number = Math.random,
  ) {
    this.opts = { ...defaultReconnectBackoff, ...opts };
  }

  /** The connection is up (a list succeeded, a watch started) at `now`. */
  connected(now: number): void {
    this.healthySince ??= now;
  }

  /** A failure at `now`: returns the delay before the next attempt. */
  failed(now: number): number {
    if (this.healthySince !== undefined && now - this.healthySince >= this.opts.resetAfterMs) this.failures = 0;
    this.healthySince = undefined;
    const base = Math.min(this.opts.maxMs, this.opts.initialMs * 2 ** this.failures);
    this.failures++;
    const factor = 1 + this.opts.jitter * (2 * this.random() - 1);
    return Math.round(Math.min(this.opts.maxMs, base * factor));
  }
}
