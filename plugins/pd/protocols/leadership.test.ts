import { describe, expect, test } from 'bun:test';
import { pdInstance, snapshotWith } from '../testing.ts';
import { chooseLeaderTarget, type LeaderCandidate, leaderCandidates } from './leadership.ts';

const c = (name: string, over: Partial<LeaderCandidate> = {}): LeaderCandidate => ({
  name,
  healthy: true,
  upToDate: true,
  readySinceMs: 1_000,
  ...over,
});

describe('chooseLeaderTarget', () => {
  test.each([
    ['never itself', [c('pd-0'), c('pd-1')], 'pd-1'],
    [
      'healthy before anything else',
      [c('pd-0'), c('pd-1', { healthy: false }), c('pd-2', { upToDate: false })],
      'pd-2',
    ],
    ['up-to-date before outdated', [c('pd-0'), c('pd-1', { upToDate: false, readySinceMs: 1 }), c('pd-2')], 'pd-2'],
    ['ready the longest', [c('pd-0'), c('pd-1', { readySinceMs: 5_000 }), c('pd-2', { readySinceMs: 2_000 })], 'pd-2'],
    ['ready at all before unknown', [c('pd-0'), c('pd-1', { readySinceMs: undefined }), c('pd-2')], 'pd-2'],
    ['then by name', [c('pd-0'), c('pd-2'), c('pd-1')], 'pd-1'],
    ['nobody healthy', [c('pd-0'), c('pd-1', { healthy: false })], undefined],
    ['alone', [c('pd-0')], undefined],
  ])('%s', (_name, candidates, expected) => {
    expect(chooseLeaderTarget('pd-0', candidates)).toBe(expected);
  });
});

describe('leaderCandidates', () => {
  test('up-to-date: at the update revision and its Pod runs it; ready since its Ready transition', () => {
    const ready = (t: string) => ({
      type: 'Ready',
      status: 'True',
      reason: 'Ready',
      message: '',
      lastTransitionTime: t,
    });
    const peers = [
      pdInstance('pd-1', {
        revision: 'new',
        status: { currentRevision: 'new', conditions: [ready('2026-01-01T00:00:10Z')] },
      }),
      pdInstance('pd-2', {
        revision: 'new',
        status: { currentRevision: 'old', conditions: [ready('2026-01-01T00:00:05Z')] },
      }),
      pdInstance('pd-3', { revision: 'old', status: { currentRevision: 'old' } }),
    ];
    const snapshot = snapshotWith([{ name: 'pd-1' }, { name: 'pd-2' }, { name: 'pd-3' }, { name: 'other-0' }]);
    expect(leaderCandidates(snapshot.members.values(), peers, 'new')).toEqual([
      { name: 'pd-1', healthy: true, upToDate: true, readySinceMs: Date.parse('2026-01-01T00:00:10Z') },
      { name: 'pd-2', healthy: true, upToDate: false, readySinceMs: Date.parse('2026-01-01T00:00:05Z') },
      { name: 'pd-3', healthy: true, upToDate: false, readySinceMs: undefined },
      { name: 'other-0', healthy: true, upToDate: false, readySinceMs: undefined },
    ]);
  });
});
