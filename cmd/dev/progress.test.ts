import { describe, expect, test } from 'bun:test';
import { bar, groupView, renderPlain, renderTerminal } from './progress.ts';

describe('main job progress', () => {
  test('a group without status is waiting for the operator', () => {
    expect(groupView({ kind: 'PDGroup', metadata: { name: 'basic-pd' }, spec: { replicas: 3 } })).toEqual({
      kind: 'PDGroup',
      name: 'basic-pd',
      desired: 3,
      ready: 0,
      updated: 0,
      step: 'waiting for the operator',
    });
  });

  test('the current step is the first of Synced, Ready that is not True, with its reason and message', () => {
    const view = groupView({
      kind: 'TiKVGroup',
      metadata: { name: 'basic-tikv' },
      spec: { replicas: 3 },
      status: {
        readyReplicas: 1,
        updatedReplicas: 3,
        conditions: [
          { type: 'Synced', status: 'True' },
          { type: 'Ready', status: 'False', reason: 'NotAllInstancesReady', message: '1 of 3 instances ready' },
        ],
      },
    });
    expect(view.step).toBe('NotAllInstancesReady: 1 of 3 instances ready');
    expect(view.ready).toBe(1);
  });

  test('a group whose conditions are all True is ready', () => {
    const view = groupView({
      metadata: { name: 'g' },
      spec: { replicas: 1 },
      status: {
        readyReplicas: 1,
        conditions: [
          { type: 'Synced', status: 'True' },
          { type: 'Ready', status: 'True' },
        ],
      },
    });
    expect(view.step).toBe('ready');
  });

  test('bars fill with the ready share, and an empty group counts as full', () => {
    expect(bar(0, 3, 6)).toBe('[------]');
    expect(bar(2, 3, 6)).toBe('[####--]');
    expect(bar(3, 3, 6)).toBe('[######]');
    expect(bar(0, 0, 4)).toBe('[####]');
  });

  test('terminal and plain renderings carry the same numbers', () => {
    const view = {
      name: 'basic',
      ready: false,
      groups: [{ kind: 'PDGroup', name: 'basic-pd', desired: 3, ready: 2, updated: 3, step: 'starting' }],
    };
    expect(renderTerminal(view)[1]).toContain('ready 2/3 updated 3/3');
    expect(renderPlain(view)).toEqual([
      'cluster basic ready=false',
      'pdgroup/basic-pd desired=3 ready=2 updated=3 step="starting"',
    ]);
  });
});
