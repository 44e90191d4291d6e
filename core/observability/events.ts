// User-visible Kubernetes Events (events.k8s.io/v1) for what the operator does to an object: "scaled in",
// "evicting leaders", "config invalid". Recording never fails the caller: Events are a courtesy, the status
// conditions are the contract.
//
// Like client-go's tools/events broadcaster, an isomorphic event (same object, type, reason, action, note)
// repeated within a window does not create a new object: the first occurrence is created, later ones bump
// `series.count` / `series.lastObservedTime` on it with a merge patch, at most once per patch interval. New
// Event objects are also rate-limited per regarding object and globally (token buckets, like client-go's
// spam filter), so a reconcile hot loop with ever-changing notes cannot flood the apiserver.
import type { KubeClient } from '../kube/client.ts';
import { isNotFound } from '../kube/errors.ts';
import { type KubeObject, kinds } from '../kube/object.ts';
import { type CancelTimer, type Clock, realClock } from '../runtime/clock.ts';
import { type Logger, silentLogger } from './log.ts';

export type EventType = 'Normal' | 'Warning';

/** The object an event is about; apiVersion and kind are needed for the reference. */
export type EventRegarding = KubeObject & { apiVersion: string; kind: string };

export interface EventRecorder {
  /**
   * Records that `action` happened (or failed) to `regarding`, for the given `reason` (UpperCamelCase,
   * machine-readable) with a human `note`. Returns at once; the write happens in the background.
   */
  record(regarding: EventRegarding, type: EventType, reason: string, action: string, note: string): void;
}

export interface EventSeries {
  count: number;
  lastObservedTime: string;
}

/** The events.k8s.io/v1 Event fields this recorder writes. */
export interface KubeEvent extends KubeObject {
  apiVersion: 'events.k8s.io/v1';
  kind: 'Event';
  eventTime: string;
  reportingController: string;
  reportingInstance: string;
  action: string;
  reason: string;
  note: string;
  type: EventType;
  regarding: { apiVersion: string; kind: string; name: string; namespace?: string; uid?: string };
  series?: EventSeries;
}

export interface EventRecorderOptions {
  /** Only `create` and `mergePatch` are used. */
  client: Pick<KubeClient, 'create' | 'mergePatch'>;
  /** Identifies this operator process (for example its Pod name); at most 128 characters. */
  reportingInstance: string;
  /** Default `tikv-operator`. */
  reportingController?: string;
  logger?: Logger;
  /** Default: the wall clock. Pending series patches are timers on it: call `close()` on shutdown. */
  clock?: Clock;
  /** Repeats within this time of the last occurrence join its series. Default 6 min (client-go). */
  seriesWindowMs?: number;
  /** At most one series patch per event per interval. Default 30 s (client-go's series heartbeat). */
  seriesPatchIntervalMs?: number;
  /** New Events per regarding object: burst, then one more per refill interval. Default 25 per 10 s. */
  perObjectBurst?: number;
  perObjectRefillMs?: number;
  /** New Events in total: burst, then one more per refill interval. Default 100, then 2 per second. */
  globalBurst?: number;
  globalRefillMs?: number;
  /** Series remembered for de-duplication; the least recently seen are forgotten first. Default 4096. */
  maxSeries?: number;
}

/** The apiserver's limits for events.k8s.io/v1 (validation.go). */
const maxNoteBytes = 1024;
const maxReasonOrActionLength = 128;
const maxNameLength = 253;

/** metav1.MicroTime: RFC 3339 with exactly six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** Cuts to at most `maxBytes` of UTF-8 without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  const encoder = new TextEncoder();
  if (encoder.encode(text).length <= maxBytes) return text;
  let bytes = 0;
  let out = '';
  for (const char of text) {
    const size = encoder.encode(char).length;
    if (bytes + size > maxBytes) break;
    bytes += size;
    out += char;
  }
  return out;
}

function randomHex(bytes: number): string {
  const buf = new Uint8Array(bytes);
  crypto.getRandomValues(buf);
  return Array.from(buf, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** `<regarding name>.<16 hex digits>`, shortened on the left side to stay a valid object name. */
export function eventName(regardingName: string): string {
  const suffix = randomHex(8);
  return `${regardingName.slice(0, maxNameLength - suffix.length - 1)}.${suffix}`;
}

class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  /** Set when a take failed, so the drop is logged once per dry spell instead of per event. */
  dry = false;

  constructor(
    private readonly burst: number,
    private readonly refillMs: number,
    now: number,
  ) {
    this.tokens = burst;
    this.updatedAt = now;
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.burst, this.tokens + (now - this.updatedAt) / this.refillMs);
    this.updatedAt = now;
  }

  canTake(now: number): boolean {
    this.refill(now);
    return this.tokens >= 1;
  }

  take(): void {
    this.tokens -= 1;
    this.dry = false;
  }

  isFull(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.burst;
  }
}

interface Series {
  event: KubeEvent;
  /** Occurrences so far, including the first. */
  count: number;
  lastObserved: number;
  /** The last write (create or patch) for this series; later writes chain on it, so a patch follows its create. */
  write: Promise<void>;
  lastWriteAt: number;
  /** Occurrences not yet written. */
  dirty: boolean;
  cancelTimer?: CancelTimer;
}

export class KubeEventRecorder implements EventRecorder {
  private readonly client: Pick<KubeClient, 'create' | 'mergePatch'>;
  private readonly reportingController: string;
  private readonly reportingInstance: string;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly seriesWindowMs: number;
  private readonly seriesPatchIntervalMs: number;
  private readonly perObjectBurst: number;
  private readonly perObjectRefillMs: number;
  private readonly maxSeries: number;
  private readonly globalBucket: TokenBucket;
  private readonly objectBuckets = new Map<string, TokenBucket>();
  /** By isomorphism key, least recently seen first (Map insertion order, re-inserted on use). */
  private readonly series = new Map<string, Series>();
  private readonly inFlight = new Set<Promise<void>>();
  private lastPruneAt: number;
  private closed = false;

  constructor(options: EventRecorderOptions) {
    this.client = options.client;
    this.reportingController = options.reportingController ?? 'tikv-operator';
    this.reportingInstance = options.reportingInstance.slice(0, 128);
    this.logger = (options.logger ?? silentLogger()).child({ component: 'events' });
    this.clock = options.clock ?? realClock;
    this.seriesWindowMs = options.seriesWindowMs ?? 6 * 60_000;
    this.seriesPatchIntervalMs = options.seriesPatchIntervalMs ?? 30_000;
    this.perObjectBurst = options.perObjectBurst ?? 25;
    this.perObjectRefillMs = options.perObjectRefillMs ?? 10_000;
    this.maxSeries = options.maxSeries ?? 4096;
    this.globalBucket = new TokenBucket(options.globalBurst ?? 100, options.globalRefillMs ?? 500, this.clock.now());
    this.lastPruneAt = this.clock.now();
  }

  record(regarding: EventRegarding, type: EventType, reason: string, action: string, note: string): void {
    try {
      this.recordOrThrow(regarding, type, reason, action, note);
    } catch (err) {
      this.logger.warn('recording event failed', { reason, err });
    }
  }

  /** Resolves when every write started so far has finished (successfully or not). */
  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  /** Writes pending series counts now, waits for all writes, and ignores later records. */
  async close(): Promise<void> {
    this.closed = true;
    for (const series of this.series.values()) {
      series.cancelTimer?.();
      series.cancelTimer = undefined;
      if (series.dirty) this.patchSeries(series);
    }
    await this.flush();
  }

  private recordOrThrow(
    regarding: EventRegarding,
    type: EventType,
    reason: string,
    action: string,
    note: string,
  ): void {
    if (this.closed) return;
    const now = this.clock.now();
    this.prune(now);
    const ref = {
      apiVersion: regarding.apiVersion,
      kind: regarding.kind,
      name: regarding.metadata.name,
      ...(regarding.metadata.namespace ? { namespace: regarding.metadata.namespace } : {}),
      ...(regarding.metadata.uid ? { uid: regarding.metadata.uid } : {}),
    };
    const objectKey = `${ref.apiVersion}/${ref.kind}/${ref.namespace ?? ''}/${ref.name}/${ref.uid ?? ''}`;
    const fields = {
      type,
      reason: reason.slice(0, maxReasonOrActionLength),
      action: action.slice(0, maxReasonOrActionLength),
      note: truncateUtf8(note, maxNoteBytes),
    };
    const key = JSON.stringify([objectKey, fields.type, fields.reason, fields.action, fields.note]);

    const existing = this.series.get(key);
    if (existing && now - existing.lastObserved <= this.seriesWindowMs) {
      this.series.delete(key);
      this.series.set(key, existing);
      existing.count += 1;
      existing.lastObserved = now;
      existing.dirty = true;
      this.schedulePatch(existing, now);
      return;
    }
    if (existing) this.forget(key, existing);

    if (!this.takeToken(objectKey, now, fields.reason)) return;
    const event: KubeEvent = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      // Cluster-scoped objects get their Events in `default`, as client-go does.
      metadata: { name: eventName(ref.name), namespace: ref.namespace ?? 'default' },
      eventTime: microTime(now),
      reportingController: this.reportingController,
      reportingInstance: this.reportingInstance,
      ...fields,
      regarding: ref,
    };
    const series: Series = {
      event,
      count: 1,
      lastObserved: now,
      write: Promise.resolve(),
      lastWriteAt: now,
      dirty: false,
    };
    this.series.set(key, series);
    while (this.series.size > this.maxSeries) {
      const [oldestKey, oldest] = this.series.entries().next().value as [string, Series];
      if (oldest.dirty) this.patchSeries(oldest);
      this.forget(oldestKey, oldest);
    }
    this.enqueueWrite(series, async () => {
      try {
        await this.client.create(kinds.Event, event);
      } catch (err) {
        // Forget it: the next occurrence tries a fresh create instead of patching an object that is not there.
        if (this.series.get(key) === series) this.forget(key, series);
        throw err;
      }
    });
  }

  private takeToken(objectKey: string, now: number, reason: string): boolean {
    let bucket = this.objectBuckets.get(objectKey);
    if (!bucket) {
      bucket = new TokenBucket(this.perObjectBurst, this.perObjectRefillMs, now);
      this.objectBuckets.set(objectKey, bucket);
    }
    for (const [limited, scope] of [
      [bucket, 'object'],
      [this.globalBucket, 'global'],
    ] as const) {
      if (limited.canTake(now)) continue;
      if (!limited.dry) {
        this.logger.warn('event rate limit reached, dropping new events until it refills', {
          scope,
          object: objectKey,
          reason,
        });
        limited.dry = true;
      }
      return false;
    }
    bucket.take();
    this.globalBucket.take();
    return true;
  }

  private schedulePatch(series: Series, now: number): void {
    if (series.cancelTimer) return;
    const wait = series.lastWriteAt + this.seriesPatchIntervalMs - now;
    if (wait <= 0) {
      this.patchSeries(series);
      return;
    }
    series.cancelTimer = this.clock.after(wait, () => {
      series.cancelTimer = undefined;
      if (series.dirty) this.patchSeries(series);
    });
  }

  private patchSeries(series: Series): void {
    series.dirty = false;
    series.lastWriteAt = this.clock.now();
    const seriesValue: EventSeries = { count: series.count, lastObservedTime: microTime(series.lastObserved) };
    this.enqueueWrite(series, async () => {
      const { name, namespace } = series.event.metadata;
      try {
        await this.client.mergePatch(kinds.Event, name, namespace, { series: seriesValue });
        series.event.series = seriesValue;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        // Events expire (1 h TTL by default) while a series can go on: start a new object that carries it.
        const replacement: KubeEvent = {
          ...series.event,
          metadata: { name: eventName(series.event.regarding.name), namespace },
          series: seriesValue,
        };
        await this.client.create(kinds.Event, replacement);
        series.event = replacement;
      }
    });
  }

  private enqueueWrite(series: Series, write: () => Promise<void>): void {
    const done = series.write
      .then(write)
      .catch((err: unknown) => {
        this.logger.warn('writing event failed', {
          event: series.event.metadata.name,
          reason: series.event.reason,
          err,
        });
      })
      .finally(() => this.inFlight.delete(done));
    series.write = done;
    this.inFlight.add(done);
  }

  private forget(key: string, series: Series): void {
    series.cancelTimer?.();
    series.cancelTimer = undefined;
    this.series.delete(key);
  }

  /** Drops expired series and full buckets, at most once per minute: keeps memory flat without a timer. */
  private prune(now: number): void {
    if (now - this.lastPruneAt < 60_000) return;
    this.lastPruneAt = now;
    for (const [key, series] of this.series) {
      if (now - series.lastObserved > this.seriesWindowMs && !series.dirty) this.forget(key, series);
    }
    for (const [key, bucket] of this.objectBuckets) {
      if (bucket.isFull(now)) this.objectBuckets.delete(key);
    }
  }
}
