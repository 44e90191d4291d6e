import { describe, expect, test } from 'bun:test';
import { FakeClock } from '../runtime/clock.ts';
import { complete, fail, retry, type TaskResult, wait } from './result.ts';
import { formatTaskSummary, runTasks, TaskFailedError, toReconcileResult } from './runner.ts';
import { breakIf, type Task, task } from './task.ts';

interface Ctx {
  ran: string[];
  paused?: boolean;
}

function step(name: string, result: TaskResult = complete()): Task<Ctx> {
  return task(name, (ctx) => {
    ctx.ran.push(name);
    return result;
  });
}

const clock = new FakeClock();

describe('runTasks', () => {
  test('a reconcile whose steps all complete asks for nothing', async () => {
    const run = await runTasks({ ran: [] }, [step('a'), step('b')], { clock });
    expect(run.result.kind).toBe('complete');
    expect(toReconcileResult(run)).toEqual({});
  });

  test('a waiting step ends the reconcile without a requeue', async () => {
    const run = await runTasks({ ran: [] }, [step('pod', wait('pod pending')), step('later')], { clock });
    expect(toReconcileResult(run)).toEqual({});
    expect(run.entries.map((e) => e.name)).toEqual(['pod']);
  });

  test('a retrying step requeues after its delay', async () => {
    const run = await runTasks({ ran: [] }, [step('evict leaders', retry(5000))], { clock });
    expect(toReconcileResult(run)).toEqual({ requeueAfterMs: 5000 });
  });

  test('a failing step throws an error that names the step', async () => {
    const run = await runTasks({ ran: [] }, [step('a'), step('delete store', fail('PD answered 500'))], { clock });
    expect(run.failedTask).toBe('delete store');
    let thrown: unknown;
    try {
      toReconcileResult(run);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(TaskFailedError);
    expect((thrown as Error).message).toBe('delete store: PD answered 500');
    expect(((thrown as Error).cause as Error).message).toBe('PD answered 500');
  });

  test('always-steps run after a main list that stopped, and their results combine with it', async () => {
    const ctx: Ctx = { ran: [] };
    const run = await runTasks(ctx, [step('pod', wait()), step('skipped')], {
      clock,
      always: [step('condition ready', retry(3000)), step('update status')],
    });
    expect(ctx.ran).toEqual(['pod', 'condition ready', 'update status']);
    expect(toReconcileResult(run)).toEqual({ requeueAfterMs: 3000 });
  });

  test('a failing always-step fails the reconcile', async () => {
    const run = await runTasks({ ran: [] }, [step('pod')], { clock, always: [step('update status', fail('409'))] });
    expect(run.failedTask).toBe('update status');
    expect(() => toReconcileResult(run)).toThrow('update status: 409');
  });

  test('a guard that fires is reported as the reason the list ended', async () => {
    const run = await runTasks(
      { ran: [], paused: true },
      [step('context'), breakIf<Ctx>('cluster paused', (c) => c.paused === true), step('pod')],
      { clock },
    );
    expect(run.brokenBy).toBe('cluster paused');
    expect(run.result.kind).toBe('complete');
  });

  test('the summary lists the steps that ran, with the same names, outcomes and messages', async () => {
    const run = await runTasks(
      { ran: [] },
      [step('context'), step('config map', complete('unchanged')), step('pod', wait('pod pending')), step('never')],
      { clock, always: [step('update status')] },
    );
    expect(formatTaskSummary(run.entries)).toBe(
      'context: complete 0ms; config map: complete 0ms (unchanged); pod: wait 0ms (pod pending); update status: complete 0ms',
    );
  });

  test('the summary shows a fired guard without a duration', async () => {
    const run = await runTasks({ ran: [], paused: true }, [breakIf<Ctx>('cluster paused', (c) => c.paused === true)], {
      clock,
    });
    expect(formatTaskSummary(run.entries)).toBe('cluster paused: break');
  });
});
