import { describe, expect, test } from 'bun:test';
import { silentLogger } from '../../core/observability/log.ts';
import type { DataPlaneState } from '../../core/plugin/contract.ts';
import { FakeClock } from '../../core/runtime/clock.ts';
import type { PdSnapshot } from './client/snapshot.ts';
import { mayRecreateMember, pdDataPlaneState } from './failover.ts';
import { pdView } from './health.ts';
import { clusterObject, pdGroupObject, pdInstance, snapshotWith } from './testing.ts';

describe('pdDataPlaneState', () => {
  const healthy = snapshotWith([{ name: 'pd-0', leader: true }, { name: 'pd-1' }, { name: 'pd-2', healthy: false }]);
  test.each<[string, PdSnapshot | undefined, string, DataPlaneState['state']]>([
    ['a healthy member', healthy, 'pd-0', 'up'],
    ['an unhealthy member', healthy, 'pd-2', 'down'],
    ['a member PD does not list (joining, or deleted for its recreation)', healthy, 'pd-7', 'disconnected'],
    ['PD not read yet', undefined, 'pd-2', 'unknown'],
    ['PD not answering (stale): no member is judged', { ...healthy, stale: true }, 'pd-2', 'unknown'],
  ])('%s', (_what, snapshot, name, state) => {
    expect(pdDataPlaneState(pdView(snapshot, name)).state).toBe(state);
  });
});

describe('mayRecreateMember', () => {
  const group = pdGroupObject('pd');
  const instances = ['pd-0', 'pd-1', 'pd-2'].map((n) =>
    pdInstance(n, { status: { conditions: [{ type: 'Ready', status: 'True' }] } }),
  );
  const ctx = (failing: string) => ({
    cluster: clusterObject(),
    groups: new Map(),
    clock: new FakeClock(),
    logger: silentLogger(),
    events: { record: () => undefined },
    group,
    instances,
    failing,
  });

  test.each<[string, PdSnapshot | undefined, string, boolean]>([
    [
      'one unhealthy of three: the two others keep quorum',
      snapshotWith([{ name: 'pd-0', leader: true }, { name: 'pd-1' }, { name: 'pd-2', healthy: false }]),
      'pd-2',
      true,
    ],
    [
      'two unhealthy of three: removing one leaves one healthy of two, no quorum',
      snapshotWith([
        { name: 'pd-0', leader: true },
        { name: 'pd-1', healthy: false },
        { name: 'pd-2', healthy: false },
      ]),
      'pd-2',
      false,
    ],
    [
      'two unhealthy of five: three healthy of four remain',
      snapshotWith([
        { name: 'pd-0', leader: true },
        { name: 'pd-1' },
        { name: 'pd-2' },
        { name: 'pd-3', healthy: false },
        { name: 'pd-4', healthy: false },
      ]),
      'pd-4',
      true,
    ],
    ['PD not answering', { ...snapshotWith([{ name: 'pd-0' }]), stale: true }, 'pd-0', false],
    ['PD never read', undefined, 'pd-0', false],
    ['the last member is never removed', snapshotWith([{ name: 'pd-0', healthy: false }]), 'pd-0', false],
  ])('%s', (_what, snapshot, failing, ok) => {
    expect(mayRecreateMember(snapshot, ctx(failing)).ok).toBe(ok);
  });

  test('the refusal says why', () => {
    const snapshot = snapshotWith([
      { name: 'pd-0', leader: true },
      { name: 'pd-1', healthy: false },
      { name: 'pd-2', healthy: false },
    ]);
    expect(mayRecreateMember(snapshot, ctx('pd-2'))).toEqual({
      ok: false,
      reason: 'removing pd-2 would leave 1 healthy of 2 PD members; a quorum needs 2',
    });
  });
});
