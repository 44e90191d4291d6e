// Lease leader election, the effectful half (client-go's leaderelection.LeaderElector): campaign every
// retryPeriod until the Lease is mine, lead while renewals succeed, step down when no renewal succeeded for
// renewDeadline (before any follower can consider the Lease expired), and hand the Lease back on shutdown.
//
// Shutdown order: the leader-only work is told to stop (its signal aborts) and `onStoppedLeading` is awaited
// while renewals go on, so the Lease stays ours until that work has really stopped; only then is it released.
import type { KubeClient } from '../kube/client.ts';
import { isAlreadyExists, isConflict, isNotFound } from '../kube/errors.ts';
import { apiVersionOf, kinds } from '../kube/object.ts';
import { type Logger, silentLogger } from '../observability/log.ts';
import { type Clock, realClock, withTimeout } from './clock.ts';
import {
  decideLease,
  defaultLeaderElectionTimings,
  type LeaderElectionTimings,
  type Lease,
  type LeaseSpec,
  releasedLeaseSpec,
  validateTimings,
} from './lease.ts';

export interface LeaderCallbacks {
  /** This process became leader. Start the leader-only work; `signal` aborts when leadership ends. */
  onStartedLeading(signal: AbortSignal): void;
  /**
   * Leadership ended (lost, or shutting down). Resolve once the leader-only work has stopped: on shutdown the
   * Lease is renewed meanwhile and released afterwards; a new campaign starts only after it resolved.
   */
  onStoppedLeading(): void | Promise<void>;
  /** The observed holder changed (also to this process). */
  onNewLeader?(identity: string): void;
}

export interface LeaderElectorOptions {
  client: KubeClient;
  /** Namespace and name of the Lease. */
  namespace: string;
  name: string;
  /** Unique per process, for example `<pod name>_<random>`. */
  identity: string;
  callbacks: LeaderCallbacks;
  timings?: Partial<LeaderElectionTimings>;
  /** Hand the Lease back on shutdown so a successor takes over at once (client-go's ReleaseOnCancel). Default true. */
  releaseOnCancel?: boolean;
  clock?: Clock;
  logger?: Logger;
  /** core/observability's `leaderElectionObserver(lease)`. */
  observer?: { leading(isLeader: boolean): void };
}

export class LeaderElector {
  private readonly opts: LeaderElectorOptions;
  private readonly timings: LeaderElectionTimings;
  private readonly clock: Clock;
  private readonly logger: Logger;

  /** The Lease as last read or written. */
  private lease: Lease | undefined;
  /** Fingerprint of the Lease record last seen, and the local time it was first seen. */
  private observedRecord = '';
  private observedAtMs = 0;
  private reportedLeader = '';
  private leading = false;
  private running = false;
  /** Bumped on every attempt and on timeouts, so an attempt that answered too late changes nothing. */
  private attempt = 0;
  private wake: (() => void) | undefined;
  /** When the attempt that won the Lease started: the first renew deadline counts from there. */
  private acquiredAtMs = 0;

  constructor(opts: LeaderElectorOptions) {
    this.opts = opts;
    this.timings = { ...defaultLeaderElectionTimings, ...opts.timings };
    validateTimings(this.timings);
    this.clock = opts.clock ?? realClock;
    this.logger = (opts.logger ?? silentLogger()).child({
      lease: `${opts.namespace}/${opts.name}`,
      identity: opts.identity,
    });
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** The holder last observed (this process while leading), or undefined when nobody holds the Lease. */
  leader(): string | undefined {
    const holder = this.lease?.spec?.holderIdentity;
    return holder ? holder : undefined;
  }

  /**
   * Campaigns and leads until `signal` aborts; leadership that is lost is campaigned for again. Resolves after
   * the leader-only work stopped and the Lease was released.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (this.running) throw new Error(`leader elector ${this.opts.identity} is already running`);
    this.running = true;
    const onAbort = () => this.wake?.();
    signal.addEventListener('abort', onAbort);
    try {
      while (!signal.aborted) {
        if (!(await this.acquire(signal))) break;
        await this.lead(signal);
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.running = false;
    }
  }

  /**
   * Hands the Lease back if this process holds it (no holder, duration 1 s). `run` does this on shutdown; call
   * it directly only when not running. Resolves with whether the Lease was released.
   */
  async release(): Promise<boolean> {
    const lease = this.lease;
    if (!lease?.spec || lease.spec.holderIdentity !== this.opts.identity) return false;
    try {
      const released = await this.opts.client.replace<Lease>(kinds.Lease, {
        ...lease,
        spec: { ...lease.spec, ...releasedLeaseSpec(lease.spec, this.clock.now()) },
      });
      this.observe(released, this.clock.now());
      this.logger.info('released the lease');
      return true;
    } catch (error) {
      this.logger.warn('could not release the lease; a successor takes over when it expires', { error });
      return false;
    }
  }

  /** Tries every retryPeriod until this process holds the Lease (true) or `signal` aborts (false). */
  private async acquire(signal: AbortSignal): Promise<boolean> {
    for (;;) {
      if (signal.aborted) return false;
      const attemptStart = this.clock.now();
      const acquired = await this.attemptWithin(this.timings.renewDeadlineMs);
      if (acquired && signal.aborted) {
        // Won the Lease while shutting down: give it back rather than start work that would stop at once.
        if (this.opts.releaseOnCancel ?? true) await this.release();
        return false;
      }
      if (acquired) {
        this.acquiredAtMs = attemptStart;
        return true;
      }
      if (signal.aborted) return false;
      await this.nap(this.timings.retryPeriodMs);
    }
  }

  private async lead(signal: AbortSignal): Promise<void> {
    // Deadlines count from the start of the last successful write, not its answer: followers time the
    // Lease from when they see the write, which is never before it started.
    let lastRenewMs = this.acquiredAtMs;
    this.setLeading(true);
    this.logger.info('became leader');
    const leadership = new AbortController();
    let stopping: Promise<void> | undefined;
    let stopped = false;
    const stepDown = (): Promise<void> => {
      if (!stopping) {
        leadership.abort();
        stopping = (async () => {
          try {
            await this.opts.callbacks.onStoppedLeading();
          } catch (error) {
            this.logger.error('onStoppedLeading failed', { error });
          }
          stopped = true;
          this.wake?.();
        })();
      }
      return stopping;
    };
    try {
      this.opts.callbacks.onStartedLeading(leadership.signal);
    } catch (error) {
      this.logger.error('onStartedLeading failed', { error });
    }

    for (;;) {
      if (signal.aborted) stepDown();
      if (stopped) break;
      const deadline = lastRenewMs + this.timings.renewDeadlineMs;
      // Never sleep past the deadline: stepping down on time is what keeps two leaders from overlapping.
      await this.nap(Math.min(this.timings.retryPeriodMs, Math.max(0, deadline - this.clock.now())));
      if (stopped) break;
      const attemptStart = this.clock.now();
      const left = deadline - attemptStart;
      if (left > 0 && (await this.attemptWithin(left))) {
        lastRenewMs = attemptStart;
        continue;
      }
      const holder = this.leader();
      const takenOver = holder !== undefined && holder !== this.opts.identity;
      if (takenOver || this.clock.now() >= deadline) {
        // Stop before followers may take over: they wait leaseDuration, which is longer than renewDeadline.
        this.setLeading(false);
        this.logger.warn(
          takenOver ? 'lost leadership: another candidate holds the lease' : 'lost leadership: renewals failed',
          { holder: holder ?? null, renewDeadlineMs: this.timings.renewDeadlineMs },
        );
        await stepDown();
        return;
      }
    }
    if (this.opts.releaseOnCancel ?? true) await this.release();
    this.setLeading(false);
  }

  /** One try-acquire-or-renew that gives up after `ms`; a late answer is ignored. */
  private async attemptWithin(ms: number): Promise<boolean> {
    const id = ++this.attempt;
    try {
      const outcome = await withTimeout(this.clock, ms, this.tryAcquireOrRenew(id));
      if (!outcome.timedOut) return outcome.value;
      this.attempt++;
      this.logger.warn('lease request timed out', { timeoutMs: ms });
      return false;
    } catch (error) {
      this.logger.warn('lease request failed', { error });
      return false;
    }
  }

  private async tryAcquireOrRenew(id: number): Promise<boolean> {
    const { client, namespace, name, identity } = this.opts;
    let lease: Lease | undefined;
    // While leading, write over the Lease we wrote last: one request per renewal. A conflict means someone
    // else wrote it; the next attempt reads it again.
    if (this.leading && this.lease?.spec?.holderIdentity === identity) {
      lease = this.lease;
    } else {
      try {
        lease = await client.get<Lease>(kinds.Lease, name, namespace);
      } catch (error) {
        if (!isNotFound(error)) throw error;
        lease = undefined;
      }
      if (id !== this.attempt) return false;
      this.observe(lease, this.clock.now());
    }

    const nowMs = this.clock.now();
    const decision = decideLease({
      current: lease ? (lease.spec ?? {}) : undefined,
      observedAtMs: this.observedAtMs,
      identity,
      nowMs,
      leaseDurationMs: this.timings.leaseDurationMs,
    });
    let written: Lease;
    try {
      switch (decision.action) {
        case 'follow':
          return false;
        case 'create':
          written = await client.create<Lease>(kinds.Lease, {
            apiVersion: apiVersionOf(kinds.Lease),
            kind: kinds.Lease.kind,
            metadata: { name, namespace },
            spec: decision.spec,
          });
          break;
        case 'acquire':
        case 'renew':
          written = await client.replace<Lease>(kinds.Lease, {
            ...(lease as Lease),
            spec: { ...lease?.spec, ...decision.spec },
          });
          if (decision.action === 'acquire') {
            this.logger.info('acquired the lease', { previousHolder: decision.previousHolder ?? null });
          }
          break;
      }
    } catch (error) {
      // Another candidate created or updated the Lease between our read and our write: we lost this round.
      if (isAlreadyExists(error) || isConflict(error)) {
        if (id === this.attempt) this.lease = undefined;
        return false;
      }
      throw error;
    }
    if (id !== this.attempt) return false;
    this.observe(written, this.clock.now());
    return true;
  }

  /** Remembers the Lease; a changed record restarts the expiry clock and may announce a new leader. */
  private observe(lease: Lease | undefined, nowMs: number): void {
    this.lease = lease;
    const spec: LeaseSpec = lease?.spec ?? {};
    const record = JSON.stringify([
      spec.holderIdentity ?? '',
      spec.renewTime ?? '',
      spec.acquireTime ?? '',
      spec.leaseTransitions ?? 0,
      spec.leaseDurationSeconds ?? 0,
    ]);
    if (record !== this.observedRecord) {
      this.observedRecord = record;
      this.observedAtMs = nowMs;
    }
    const holder = spec.holderIdentity ?? '';
    if (holder !== '' && holder !== this.reportedLeader) {
      this.reportedLeader = holder;
      this.logger.info('new leader observed', { leader: holder });
      try {
        this.opts.callbacks.onNewLeader?.(holder);
      } catch (error) {
        this.logger.error('onNewLeader failed', { error });
      }
    }
  }

  private setLeading(leading: boolean): void {
    if (this.leading === leading) return;
    this.leading = leading;
    this.opts.observer?.leading(leading);
  }

  /** Sleeps `ms`, or less when woken (the run's signal aborted, or the leader-only work finished stopping). */
  private nap(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        cancel();
        if (this.wake === done) this.wake = undefined;
        resolve();
      };
      const cancel = this.clock.after(ms, done);
      this.wake = done;
    });
  }
}
