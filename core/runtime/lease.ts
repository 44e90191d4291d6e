// The decision half of Lease leader election (client-go's tryAcquireOrRenew), as a pure function: given the
// Lease as read, who I am and the time, what to write. leader-election.ts performs the decision.
//
// Expiry is judged on the local clock, from the moment this process first saw the Lease's current record,
// never from the renewTime written by another pod: two pods' clocks may disagree by more than a lease
// duration, but each pod can measure "nobody renewed for leaseDuration" on its own (client-go does the same).
// A consequence: a freshly started candidate waits one lease duration before taking over a lease that still
// names a holder, however old its renewTime; a released lease (no holder) is taken at once.
import type { KubeObject } from '../kube/object.ts';

/** coordination.k8s.io/v1 LeaseSpec; times are MicroTime strings (RFC 3339 with microseconds). */
export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

export interface LeaderElectionTimings {
  /** How long followers wait after the last observed renewal before taking over. client-go: 15 s. */
  leaseDurationMs: number;
  /** How long the leader keeps trying to renew before it steps down. client-go: 10 s. */
  renewDeadlineMs: number;
  /** Time between attempts to acquire or renew. client-go: 2 s. */
  retryPeriodMs: number;
}

export const defaultLeaderElectionTimings: LeaderElectionTimings = {
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
};

/**
 * The leader must give up before any follower may take over: renewDeadline < leaseDuration, and there must be
 * room for more than one renewal attempt within the deadline.
 */
export function validateTimings(t: LeaderElectionTimings): void {
  if (!(t.retryPeriodMs > 0))
    throw new Error(`leader election: retryPeriod must be positive, got ${t.retryPeriodMs} ms`);
  if (!(t.renewDeadlineMs > t.retryPeriodMs)) {
    throw new Error(
      `leader election: renewDeadline (${t.renewDeadlineMs} ms) must be longer than retryPeriod (${t.retryPeriodMs} ms)`,
    );
  }
  if (!(t.leaseDurationMs > t.renewDeadlineMs)) {
    throw new Error(
      `leader election: leaseDuration (${t.leaseDurationMs} ms) must be longer than renewDeadline (${t.renewDeadlineMs} ms)`,
    );
  }
}

export type LeaseDecision =
  /** No Lease exists: create one held by me. */
  | { action: 'create'; spec: LeaseSpec }
  /** The Lease is free or expired: take it over (a new acquireTime, leaseTransitions + 1). */
  | { action: 'acquire'; spec: LeaseSpec; previousHolder?: string }
  /** I hold the Lease: push renewTime forward. */
  | { action: 'renew'; spec: LeaseSpec }
  /** Someone else holds a valid Lease: follow, and look again later. */
  | { action: 'follow'; holder: string; expiresAtMs: number };

export interface LeaseDecisionInput {
  /** The Lease's spec as read, or undefined when there is no Lease (404). */
  current: LeaseSpec | undefined;
  /** Local time when this process first saw `current` in its present form. */
  observedAtMs: number;
  identity: string;
  nowMs: number;
  /** Written into the Lease; also used for expiry when the Lease does not say. */
  leaseDurationMs: number;
}

export function decideLease(input: LeaseDecisionInput): LeaseDecision {
  const { current, identity, nowMs } = input;
  const now = formatMicroTime(nowMs);
  const leaseDurationSeconds = Math.ceil(input.leaseDurationMs / 1000);
  if (current === undefined) {
    return {
      action: 'create',
      spec: { holderIdentity: identity, leaseDurationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 },
    };
  }
  const holder = current.holderIdentity ?? '';
  const transitions = current.leaseTransitions ?? 0;
  if (holder === identity) {
    return {
      action: 'renew',
      spec: {
        holderIdentity: identity,
        leaseDurationSeconds,
        acquireTime: current.acquireTime ?? now,
        renewTime: now,
        leaseTransitions: transitions,
      },
    };
  }
  const takeOver: LeaseSpec = {
    holderIdentity: identity,
    leaseDurationSeconds,
    acquireTime: now,
    renewTime: now,
    leaseTransitions: transitions + 1,
  };
  if (holder === '') return { action: 'acquire', spec: takeOver };
  const durationMs =
    current.leaseDurationSeconds && current.leaseDurationSeconds > 0
      ? current.leaseDurationSeconds * 1000
      : input.leaseDurationMs;
  const expiresAtMs = input.observedAtMs + durationMs;
  if (nowMs < expiresAtMs) return { action: 'follow', holder, expiresAtMs };
  return { action: 'acquire', spec: takeOver, previousHolder: holder };
}

/**
 * The spec that hands the Lease back on shutdown (client-go's ReleaseOnCancel): no holder, so the next
 * candidate takes it at its next attempt instead of waiting out the lease duration.
 */
export function releasedLeaseSpec(current: LeaseSpec, nowMs: number): LeaseSpec {
  const now = formatMicroTime(nowMs);
  return {
    holderIdentity: undefined,
    leaseDurationSeconds: 1,
    acquireTime: now,
    renewTime: now,
    leaseTransitions: current.leaseTransitions ?? 0,
  };
}

/** metav1.MicroTime: RFC 3339 with six fractional digits (`2026-11-20T23:12:33.123456Z`). */
export function formatMicroTime(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2026-11-20T23:12:33.123Z
  return `${iso.slice(0, 23)}000Z`;
}
