// Keeps the operator's view of one PD cluster fresh and pushes what changed to the controllers, so no protocol
// step waits for a fixed 30 s poll. It polls members, health, stores, the evict-leader scheduler, and the regions
// with down or missing peers: every second while something is in progress (a caller marked the cluster busy, a store is being
// removed, leaders are being evicted, a member is unhealthy), every 30 s otherwise, and at once after every
// write through the cluster's client. A failed poll keeps the last snapshot and marks it stale.

import { type Logger, silentLogger } from '../../../core/observability/log.ts';
import { type CancelTimer, type Clock, realClock } from '../../../core/runtime/clock.ts';
import type { Uint64 } from './json.ts';
import type { CallOptions, WriteListener } from './pd-client.ts';
import type { DownPeerRegion, MissPeerRegion, PdMemberHealth, PdMembers, PdStoreInfo } from './responses.ts';
import {
  diffSnapshots,
  emptySnapshot,
  isInProgress,
  nextSnapshot,
  type PdSnapshot,
  POLL_PARTS,
  type PollResult,
  type SnapshotChanges,
} from './snapshot.ts';

/** The reads a state source makes (PdClient has them all), and the client's write notifications. */
export interface PdStateReader {
  members(opts?: CallOptions): Promise<PdMembers>;
  health(opts?: CallOptions): Promise<PdMemberHealth[]>;
  stores(opts?: CallOptions & { includeTombstone?: boolean }): Promise<PdStoreInfo[]>;
  evictLeaderSchedulerStores(opts?: CallOptions): Promise<Uint64[]>;
  downPeerRegions(opts?: CallOptions): Promise<DownPeerRegion[]>;
  missPeerRegions(opts?: CallOptions): Promise<MissPeerRegion[]>;
  onWrite?(listener: WriteListener): () => void;
}

/**
 * Gets the keys that changed: member names and store addresses together in `keys` (sorted), and by kind in
 * `changes` for listeners that care about one kind only.
 */
export type ChangeListener = (keys: readonly string[], changes: SnapshotChanges) => void;

export interface PdStateSourceOptions {
  clock?: Clock;
  logger?: Logger;
  /** While something is in progress. Default 1 s. */
  fastIntervalMs?: number;
  /** At rest. Default 30 s (tidb-operator's store poll). */
  slowIntervalMs?: number;
  /** After failed polls the interval doubles from `fastIntervalMs` up to this (unless busy). Default 10 s. */
  errorMaxIntervalMs?: number;
  /** Fast polling lasts this long after a write (PD applies some writes asynchronously). Default 10 s. */
  busyAfterWriteMs?: number;
}

export class PdStateSource {
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly fastMs: number;
  private readonly slowMs: number;
  private readonly errorMaxMs: number;
  private readonly busyAfterWriteMs: number;
  private readonly listeners = new Set<ChangeListener>();
  private readonly everRead = new Set<(typeof POLL_PARTS)[number]>();
  private state: PdSnapshot = emptySnapshot;
  private started = false;
  private stopped = false;
  private timer: CancelTimer | undefined;
  private nextPollAt: number | undefined;
  private inFlight: Promise<void> | undefined;
  private pollAgain = false;
  private abort: AbortController | undefined;
  private busyUntil = 0;
  private failures = 0;
  private polls = 0;
  private readonly offWrite: (() => void) | undefined;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly reader: PdStateReader,
    opts: PdStateSourceOptions = {},
  ) {
    this.clock = opts.clock ?? realClock;
    this.logger = opts.logger ?? silentLogger();
    this.fastMs = opts.fastIntervalMs ?? 1_000;
    this.slowMs = opts.slowIntervalMs ?? 30_000;
    this.errorMaxMs = opts.errorMaxIntervalMs ?? 10_000;
    this.busyAfterWriteMs = opts.busyAfterWriteMs ?? 10_000;
    this.offWrite = reader.onWrite?.(() => {
      this.markBusy(this.busyAfterWriteMs);
      this.refresh();
    });
  }

  /** Polls at once, then on the schedule. Calling it again does nothing. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.pollNow();
  }

  /** Cancels the timer and the poll in flight; no listener is called afterwards. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.cancelTimer();
    this.abort?.abort(new Error('PD state source stopped'));
    this.offWrite?.();
    this.listeners.clear();
    this.releaseIdleWaiters();
  }

  snapshot(): PdSnapshot {
    return this.state;
  }

  /** Number of polls finished (successful or not). */
  pollCount(): number {
    return this.polls;
  }

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Poll fast for at least `forMs` from now (scale-in, restart, upgrade in progress). Extends, never shortens,
   * an earlier mark, and brings a slow poll that is due later forward.
   */
  markBusy(forMs: number): void {
    this.busyUntil = Math.max(this.busyUntil, this.clock.now() + forMs);
    if (!this.started || this.stopped || this.inFlight) return;
    if (this.nextPollAt === undefined || this.nextPollAt > this.clock.now() + this.fastMs) this.schedule(this.fastMs);
  }

  /** Whether polling is fast now, and why. */
  fastReason(): string | undefined {
    if (this.clock.now() < this.busyUntil) return 'busy';
    return isInProgress(this.state);
  }

  /** Poll as soon as possible: now, or right after the poll in flight (whose answers may predate a write). */
  refresh(): void {
    if (!this.started || this.stopped) return;
    if (this.inFlight) {
      this.pollAgain = true;
      return;
    }
    this.pollNow();
  }

  /** Resolves once no poll is in flight or requested (tests, and callers that just wrote and want to read). */
  whenIdle(): Promise<void> {
    if (!this.inFlight || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pollNow(): void {
    this.cancelTimer();
    this.inFlight = this.poll().finally(() => {
      this.inFlight = undefined;
      if (this.stopped) return;
      if (this.pollAgain) {
        this.pollAgain = false;
        this.pollNow();
        return;
      }
      this.schedule(this.nextInterval());
      this.releaseIdleWaiters();
    });
  }

  private async poll(): Promise<void> {
    const controller = new AbortController();
    this.abort = controller;
    const opts = { signal: controller.signal };
    // Each read starts inside a promise so that a reader throwing synchronously fails only its own part.
    const read = <T>(fn: () => Promise<T>) => Promise.resolve().then(fn);
    // The evict-leader list is read before the stores: a store shown evicting then has a leader count PD
    // reported after its scheduler existed, so "evicting and zero leaders" never comes from an older count.
    const [evictLeaderStoreIds] = await Promise.allSettled([read(() => this.reader.evictLeaderSchedulerStores(opts))]);
    const [members, health, stores, downPeerRegions, missPeerRegions] = await Promise.allSettled([
      read(() => this.reader.members(opts)),
      read(() => this.reader.health(opts)),
      read(() => this.reader.stores({ ...opts, includeTombstone: true })),
      read(() => this.reader.downPeerRegions(opts)),
      read(() => this.reader.missPeerRegions(opts)),
    ]);
    const settled: Record<(typeof POLL_PARTS)[number], PromiseSettledResult<unknown>> = {
      members,
      health,
      stores,
      evictLeaderStoreIds,
      downPeerRegions,
      missPeerRegions,
    };
    if (this.stopped) return;
    const result: PollResult = {};
    const errors: string[] = [];
    for (const part of POLL_PARTS) {
      const s = settled[part];
      if (s.status === 'fulfilled') {
        Object.assign(result, { [part]: s.value });
        this.everRead.add(part);
      } else {
        errors.push(`${part}: ${s.reason instanceof Error ? s.reason.message : String(s.reason)}`);
      }
    }
    this.polls++;
    this.failures = errors.length > 0 ? this.failures + 1 : 0;
    if (errors.length > 0) this.logger.debug('PD poll failed', { errors });
    const previous = this.state;
    this.state = nextSnapshot(previous, result, this.everRead, this.clock.now(), errors[0]);
    const changes = diffSnapshots(previous, this.state);
    const keys = [...new Set([...changes.members, ...changes.stores])].sort();
    if (keys.length === 0) return;
    for (const listener of [...this.listeners]) {
      try {
        listener(keys, changes);
      } catch (err) {
        this.logger.error('PD change listener failed', { error: err instanceof Error ? err.message : String(err) });
      }
    }
  }

  private nextInterval(): number {
    if (this.fastReason() !== undefined && this.failures === 0) return this.fastMs;
    if (this.failures > 0) {
      if (this.clock.now() < this.busyUntil) return this.fastMs;
      return Math.min(this.errorMaxMs, this.fastMs * 2 ** (this.failures - 1));
    }
    return this.slowMs;
  }

  private schedule(delayMs: number): void {
    this.cancelTimer();
    this.nextPollAt = this.clock.now() + delayMs;
    this.timer = this.clock.after(delayMs, () => {
      this.timer = undefined;
      this.nextPollAt = undefined;
      this.pollNow();
    });
  }

  private cancelTimer(): void {
    this.timer?.();
    this.timer = undefined;
    this.nextPollAt = undefined;
  }

  private releaseIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
