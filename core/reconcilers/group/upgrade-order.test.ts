import { describe, expect, test } from 'bun:test';
import type { GroupObject } from '../../plugin/contract.ts';
import { testGroup } from './test-objects.ts';
import { isGroupSettled, isVersionChange, upgradeBlockedBy } from './upgrade-order.ts';

const time = '2026-01-01T00:00:00Z';
const cond = (type: string, status: 'True' | 'False') => ({
  type,
  status,
  reason: 'R',
  message: '',
  lastTransitionTime: time,
});

function group(name: string, version: string, status: Record<string, unknown> = {}, generation = 1): GroupObject {
  const g = testGroup({ template: { spec: { version, volumes: [] } } }, { name, generation });
  g.status = status;
  return g;
}

const settled = (name: string, version: string) =>
  group(name, version, {
    observedGeneration: 1,
    version,
    conditions: [cond('Ready', 'True'), cond('Synced', 'True')],
  });

describe('isVersionChange', () => {
  test('a template version other than the running one is a change', () => {
    expect(isVersionChange(group('kv', '2.0.0', { version: '1.0.0' }))).toBe(true);
  });
  test('the same version is not', () => {
    expect(isVersionChange(group('kv', '1.0.0', { version: '1.0.0' }))).toBe(false);
  });
  test('a new group (no running version) is not an upgrade', () => {
    expect(isVersionChange(group('kv', '2.0.0'))).toBe(false);
  });
});

describe('isGroupSettled', () => {
  test('current generation, Ready and Synced, at its template version', () => {
    expect(isGroupSettled(settled('pd', '2.0.0'))).toBe(true);
  });
  test.each([
    [
      'an older generation observed',
      group(
        'pd',
        '2.0.0',
        { observedGeneration: 1, version: '2.0.0', conditions: [cond('Ready', 'True'), cond('Synced', 'True')] },
        2,
      ),
    ],
    [
      'not Ready',
      group('pd', '2.0.0', {
        observedGeneration: 1,
        version: '2.0.0',
        conditions: [cond('Ready', 'False'), cond('Synced', 'True')],
      }),
    ],
    [
      'not Synced',
      group('pd', '2.0.0', {
        observedGeneration: 1,
        version: '2.0.0',
        conditions: [cond('Ready', 'True'), cond('Synced', 'False')],
      }),
    ],
    [
      'still on the old version',
      group('pd', '2.0.0', {
        observedGeneration: 1,
        version: '1.0.0',
        conditions: [cond('Ready', 'True'), cond('Synced', 'True')],
      }),
    ],
  ])('not with %s', (_, g) => {
    expect(isGroupSettled(g)).toBe(false);
  });
});

describe('upgradeBlockedBy', () => {
  const upgrading = group('kv', '2.0.0', { version: '1.0.0' });
  test('Ordered: a version change waits for unsettled groups of the dependencies, named component/group', () => {
    const groups = new Map([
      ['pd', [settled('pd-a', '2.0.0'), group('pd-b', '2.0.0', { version: '1.0.0' })]],
      ['other', [group('x', '1.0.0')]],
    ]);
    expect(upgradeBlockedBy({ policy: 'Ordered', group: upgrading, dependsOn: ['pd'], groups })).toEqual(['pd/pd-b']);
  });
  test('Ordered: settled dependencies let it go', () => {
    const groups = new Map([['pd', [settled('pd-a', '2.0.0')]]]);
    expect(upgradeBlockedBy({ policy: 'Ordered', group: upgrading, dependsOn: ['pd'], groups })).toBeUndefined();
  });
  test('AllAtOnce never waits', () => {
    const groups = new Map([['pd', [group('pd-b', '2.0.0', { version: '1.0.0' })]]]);
    expect(upgradeBlockedBy({ policy: 'AllAtOnce', group: upgrading, dependsOn: ['pd'], groups })).toBeUndefined();
  });
  test('other changes than the version are not ordered', () => {
    const groups = new Map([['pd', [group('pd-b', '2.0.0', { version: '1.0.0' })]]]);
    const sameVersion = group('kv', '1.0.0', { version: '1.0.0' });
    expect(upgradeBlockedBy({ policy: 'Ordered', group: sameVersion, dependsOn: ['pd'], groups })).toBeUndefined();
  });
});
