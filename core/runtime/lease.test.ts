import { describe, expect, test } from 'bun:test';
import {
  decideLease,
  defaultLeaderElectionTimings,
  formatMicroTime,
  type LeaseDecision,
  type LeaseDecisionInput,
  type LeaseSpec,
  releasedLeaseSpec,
  validateTimings,
} from './lease.ts';

const T = Date.UTC(2026, 10, 20, 23, 12, 33, 123);
const NOW = formatMicroTime(T);
const OLD = '2026-11-20T22:00:00.000000Z';

const held = (holder: string | undefined, extra: Partial<LeaseSpec> = {}): LeaseSpec => ({
  holderIdentity: holder,
  leaseDurationSeconds: 15,
  acquireTime: OLD,
  renewTime: OLD,
  leaseTransitions: 3,
  ...extra,
});

const rows: { name: string; input: Partial<LeaseDecisionInput>; expected: LeaseDecision }[] = [
  {
    name: 'no lease: create it held by me, transitions 0',
    input: { current: undefined },
    expected: {
      action: 'create',
      spec: { holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: NOW, renewTime: NOW, leaseTransitions: 0 },
    },
  },
  {
    name: 'held by me: renew, keeping acquireTime and transitions',
    input: { current: held('me') },
    expected: {
      action: 'renew',
      spec: { holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: OLD, renewTime: NOW, leaseTransitions: 3 },
    },
  },
  {
    name: 'held by me without acquireTime: renew and fill it in',
    input: { current: held('me', { acquireTime: undefined }) },
    expected: {
      action: 'renew',
      spec: { holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: NOW, renewTime: NOW, leaseTransitions: 3 },
    },
  },
  {
    name: 'released (no holder): acquire at once, transitions + 1',
    input: { current: held(undefined), observedAtMs: T },
    expected: {
      action: 'acquire',
      spec: { holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: NOW, renewTime: NOW, leaseTransitions: 4 },
    },
  },
  {
    name: 'empty holder string counts as released',
    input: { current: held(''), observedAtMs: T },
    expected: {
      action: 'acquire',
      spec: { holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: NOW, renewTime: NOW, leaseTransitions: 4 },
    },
  },
  {
    name: 'Lease without spec: acquire',
    input: { current: {}, observedAtMs: T },
    expected: {
      action: 'acquire',
      spec: { holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: NOW, renewTime: NOW, leaseTransitions: 1 },
    },
  },
  {
    name: 'held by another, observed 14.999 s ago: follow',
    input: { current: held('other'), observedAtMs: T - 14_999 },
    expected: { action: 'follow', holder: 'other', expiresAtMs: T + 1 },
  },
  {
    name: 'held by another, observed 15 s ago: take over, transitions + 1',
    input: { current: held('other'), observedAtMs: T - 15_000 },
    expected: {
      action: 'acquire',
      previousHolder: 'other',
      spec: { holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: NOW, renewTime: NOW, leaseTransitions: 4 },
    },
  },
  {
    name: 'held by another with an ancient renewTime but just observed: follow (local clock only)',
    input: { current: held('other', { renewTime: '2020-01-01T00:00:00.000000Z' }), observedAtMs: T },
    expected: { action: 'follow', holder: 'other', expiresAtMs: T + 15_000 },
  },
  {
    name: "the Lease's own duration decides expiry (30 s, observed 20 s ago): follow",
    input: { current: held('other', { leaseDurationSeconds: 30 }), observedAtMs: T - 20_000 },
    expected: { action: 'follow', holder: 'other', expiresAtMs: T + 10_000 },
  },
  {
    name: 'Lease without a duration: my configured duration decides expiry',
    input: {
      current: held('other', { leaseDurationSeconds: undefined }),
      observedAtMs: T - 10_000,
      leaseDurationMs: 8000,
    },
    expected: {
      action: 'acquire',
      previousHolder: 'other',
      spec: { holderIdentity: 'me', leaseDurationSeconds: 8, acquireTime: NOW, renewTime: NOW, leaseTransitions: 4 },
    },
  },
  {
    name: 'a sub-second configured duration is written as whole seconds, rounded up',
    input: { current: undefined, leaseDurationMs: 1500 },
    expected: {
      action: 'create',
      spec: { holderIdentity: 'me', leaseDurationSeconds: 2, acquireTime: NOW, renewTime: NOW, leaseTransitions: 0 },
    },
  },
];

describe('decideLease', () => {
  for (const row of rows) {
    test(row.name, () => {
      const input: LeaseDecisionInput = {
        current: undefined,
        observedAtMs: T,
        identity: 'me',
        nowMs: T,
        leaseDurationMs: 15_000,
        ...row.input,
      };
      expect(decideLease(input)).toEqual(row.expected);
    });
  }
});

describe('lease helpers', () => {
  test('MicroTime has six fractional digits', () => {
    expect(formatMicroTime(T)).toBe('2026-11-20T23:12:33.123000Z');
  });

  test('a released lease has no holder, a 1 s duration and keeps its transitions', () => {
    expect(releasedLeaseSpec(held('me'), T)).toEqual({
      holderIdentity: undefined,
      leaseDurationSeconds: 1,
      acquireTime: NOW,
      renewTime: NOW,
      leaseTransitions: 3,
    });
  });

  test('timings must leave the leader time to step down before followers take over', () => {
    expect(() => validateTimings(defaultLeaderElectionTimings)).not.toThrow();
    expect(() => validateTimings({ leaseDurationMs: 10_000, renewDeadlineMs: 10_000, retryPeriodMs: 2000 })).toThrow(
      'leaseDuration',
    );
    expect(() => validateTimings({ leaseDurationMs: 15_000, renewDeadlineMs: 2000, retryPeriodMs: 2000 })).toThrow(
      'renewDeadline',
    );
    expect(() => validateTimings({ leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 0 })).toThrow(
      'retryPeriod',
    );
  });
});
