import { describe, expect, test } from 'bun:test';
import { FakeClock } from '../runtime/clock.ts';
import type { Condition } from './conditions.ts';
import { wait } from './result.ts';
import { runTasks } from './runner.ts';
import { carryTransitionTimes, persistStatus, statusEqual, writeStatusIfChanged } from './status.ts';
import { task } from './task.ts';

interface Status {
  replicas?: number;
  observedGeneration?: number | null;
  conditions?: Condition[];
}

const ready = (status: 'True' | 'False', time: string): Condition => ({
  type: 'Ready',
  status,
  reason: 'R',
  message: '',
  lastTransitionTime: time,
});
const synced: Condition = { type: 'Synced', status: 'True', reason: 'S', message: '', lastTransitionTime: 'T0' };

describe('statusEqual', () => {
  test('undefined, null and absent properties are equal', () => {
    expect(statusEqual({ replicas: 3 }, { replicas: 3, observedGeneration: undefined })).toBe(true);
    expect(statusEqual({ replicas: 3, observedGeneration: null }, { replicas: 3 })).toBe(true);
  });

  test('a changed nested value is a difference', () => {
    expect(statusEqual({ a: { b: [1, 2] } }, { a: { b: [1, 3] } })).toBe(false);
    expect(statusEqual({ a: [1] }, { a: [1, 1] })).toBe(false);
  });

  test('the order of conditions does not matter, the order of other lists does', () => {
    expect(
      statusEqual({ conditions: [ready('True', 'T'), synced] }, { conditions: [synced, ready('True', 'T')] }),
    ).toBe(true);
    expect(statusEqual({ members: ['a', 'b'] }, { members: ['b', 'a'] })).toBe(false);
  });
});

describe('carryTransitionTimes', () => {
  test('keeps the old time of a condition whose status is unchanged, takes the new one otherwise', () => {
    const before = { conditions: [ready('False', 'T0'), synced] };
    const after = carryTransitionTimes(before, {
      conditions: [ready('True', 'T1'), { ...synced, lastTransitionTime: 'T1' }],
    });
    expect(after.conditions.map((c) => c.lastTransitionTime)).toEqual(['T1', 'T0']);
  });
});

describe('writeStatusIfChanged', () => {
  test('does not write a status that did not change', async () => {
    const writes: Status[] = [];
    const before: Status = { replicas: 3, conditions: [ready('True', 'T0')] };
    const written = await writeStatusIfChanged(
      before,
      { replicas: 3, conditions: [ready('True', 'T9')] },
      async (s) => {
        writes.push(s);
      },
    );
    expect(written).toBe(false);
    expect(writes).toEqual([]);
  });

  test('writes a changed status once, with the unchanged conditions keeping their transition time', async () => {
    const writes: Status[] = [];
    const before: Status = { replicas: 3, conditions: [ready('True', 'T0'), synced] };
    const written = await writeStatusIfChanged(
      before,
      { replicas: 4, conditions: [ready('True', 'T9'), { ...synced, status: 'False', lastTransitionTime: 'T9' }] },
      async (s) => {
        writes.push(s);
      },
    );
    expect(written).toBe(true);
    expect(writes).toEqual([
      { replicas: 4, conditions: [ready('True', 'T0'), { ...synced, status: 'False', lastTransitionTime: 'T9' }] },
    ]);
  });

  test('writes when the object had no status yet', async () => {
    let writes = 0;
    expect(
      await writeStatusIfChanged<Status>(undefined, {}, async () => {
        writes++;
      }),
    ).toBe(true);
    expect(writes).toBe(1);
  });
});

describe('persistStatus', () => {
  interface Ctx {
    before?: Status;
    status: Status;
  }

  test('writes the status once at the end of a reconcile, even when a step waits', async () => {
    const writes: Status[] = [];
    const ctx: Ctx = { before: { replicas: 1 }, status: { replicas: 1 } };
    const tasks = [
      task<Ctx>('scale', (c) => {
        c.status.replicas = 2;
        return wait('pods pending');
      }),
      task<Ctx>('never', () => {
        throw new Error('must not run');
      }),
    ];
    const persist = persistStatus<Ctx, Status>({
      before: (c) => c.before,
      after: (c) => c.status,
      write: async (_c, s) => {
        writes.push(s);
      },
    });
    const run = await runTasks(ctx, tasks, { clock: new FakeClock(), always: [persist] });
    expect(writes).toEqual([{ replicas: 2 }]);
    expect(run.entries.at(-1)).toMatchObject({ name: 'update status', outcome: 'complete', message: 'written' });
    expect(run.result.kind).toBe('wait');
  });

  test('reports an unchanged status and a failed write', async () => {
    const ctx: Ctx = { before: { replicas: 1 }, status: { replicas: 1 } };
    const unchanged = await runTasks(ctx, [], {
      always: [persistStatus({ before: (c: Ctx) => c.before, after: (c) => c.status, write: async () => {} })],
    });
    expect(unchanged.entries[0]?.message).toBe('unchanged');

    ctx.status = { replicas: 5 };
    const failed = await runTasks(ctx, [], {
      always: [
        persistStatus({
          before: (c: Ctx) => c.before,
          after: (c) => c.status,
          write: async () => {
            throw new Error('conflict');
          },
        }),
      ],
    });
    expect(failed.failedTask).toBe('update status');
  });
});
