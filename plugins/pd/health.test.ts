import { describe, expect, test } from 'bun:test';
import { memberReport, pdHealth, pdView, wasInitialized } from './health.ts';
import { pdInstance, snapshotWith } from './testing.ts';

const three = snapshotWith([{ name: 'pd-0', leader: true }, { name: 'pd-1' }, { name: 'pd-2', healthy: false }]);

describe('pdHealth', () => {
  test.each([
    ['PD never answered', pdView(undefined, 'pd-0'), true, false, 'PD has not answered yet'],
    ['not a member yet', pdView(three, 'pd-9'), true, false, 'PD does not list the member yet'],
    ['PD reports it unhealthy', pdView(three, 'pd-2'), true, false, 'PD reports member 10000000000000002 unhealthy'],
    ['ready not asked yet', pdView(three, 'pd-1'), undefined, false, 'waiting for /pd/api/v2/ready'],
    ['regions not loaded', pdView(three, 'pd-1'), false, false, 'PD has not loaded its regions yet (/pd/api/v2/ready)'],
    ['healthy follower', pdView(three, 'pd-1'), true, true, 'the member is healthy'],
    ['healthy leader', pdView(three, 'pd-0'), true, true, 'the member is healthy and the PD leader'],
  ] as const)('%s', (_name, view, ready, healthy, reason) => {
    expect(pdHealth(view, ready)).toEqual({ healthy, reason });
  });

  // An operator that just restarted has neither PD's state nor the per-Pod ready answers in memory.
  const lastHealthy = { healthy: true, reason: 'the member is healthy' };
  const lastUnhealthy = { healthy: false, reason: 'PD reports member 1 unhealthy' };
  test.each([
    ['PD not read yet keeps a healthy verdict', pdView(undefined, 'pd-1'), undefined, lastHealthy, lastHealthy],
    ['PD not read yet keeps an unhealthy verdict', pdView(undefined, 'pd-1'), undefined, lastUnhealthy, lastUnhealthy],
    ['ready not asked yet keeps a healthy verdict', pdView(three, 'pd-1'), undefined, lastHealthy, lastHealthy],
    [
      'ready not asked yet does not keep an unhealthy verdict',
      pdView(three, 'pd-1'),
      undefined,
      lastUnhealthy,
      { healthy: false, reason: 'waiting for /pd/api/v2/ready' },
    ],
    [
      'what PD says wins over the last verdict',
      pdView(three, 'pd-2'),
      true,
      lastHealthy,
      { healthy: false, reason: 'PD reports member 10000000000000002 unhealthy' },
    ],
  ] as const)('%s', (_name, view, ready, last, expected) => {
    expect(pdHealth(view, ready, last)).toEqual(expected);
  });
});

describe('memberReport', () => {
  test('a leader: its id as a string, the leader flag, Initialized and Leader true', () => {
    const report = memberReport(pdView(three, 'pd-0'), false);
    expect(report.statusPatch).toEqual({ memberId: '10000000000000000', isLeader: true });
    expect(report.conditions.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['Initialized', 'True', 'Joined'],
      ['Leader', 'True', 'Leader'],
    ]);
    expect(report.conditions[0]?.message).toBe('member 10000000000000000 of PD cluster 7000000000000000001');
  });

  test('a follower names the leader', () => {
    const report = memberReport(pdView(three, 'pd-1'), true);
    expect(report.statusPatch.isLeader).toBe(false);
    expect(report.conditions[1]).toMatchObject({ type: 'Leader', status: 'False', message: 'the PD leader is pd-0' });
  });

  test('not listed: Initialized False and no leader flag', () => {
    const report = memberReport(pdView(three, 'pd-9'), true);
    expect(report.statusPatch).toEqual({ isLeader: false });
    expect(report.conditions[0]).toMatchObject({ type: 'Initialized', status: 'False', reason: 'NotAMember' });
  });

  test('PD not answering changes nothing once known, and says Unknown the first time', () => {
    expect(memberReport(pdView(undefined, 'pd-0'), true)).toEqual({ statusPatch: {}, conditions: [] });
    expect(memberReport(pdView(undefined, 'pd-0'), false).conditions).toEqual([
      { type: 'Initialized', status: 'Unknown', reason: 'PDNotReachable', message: 'PD has not answered yet' },
    ]);
  });
});

describe('wasInitialized', () => {
  test('PD lists it now, or its status kept a member id, or Initialized was True', () => {
    expect(wasInitialized(pdInstance('pd-1'), pdView(three, 'pd-1'))).toBe(true);
    expect(wasInitialized(pdInstance('pd-9'), pdView(three, 'pd-9'))).toBe(false);
    expect(wasInitialized(pdInstance('pd-9', { status: { memberId: '12' } }), pdView(undefined, 'pd-9'))).toBe(true);
    const initialized = { conditions: [{ type: 'Initialized', status: 'True' }] };
    expect(wasInitialized(pdInstance('pd-9', { status: initialized }), pdView(undefined, 'pd-9'))).toBe(true);
  });
});
