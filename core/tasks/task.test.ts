import { describe, expect, test } from 'bun:test';
import { FakeClock } from '../runtime/clock.ts';
import { complete, fail, retry, type TaskResult, wait } from './result.ts';
import { allOf, breakIf, sequence, type Task, type TaskEntry, task, when } from './task.ts';

interface Ctx {
  ran: string[];
  gone?: boolean;
  deleting?: boolean;
}

function step(name: string, result: TaskResult = complete()): Task<Ctx> {
  return task(name, (ctx) => {
    ctx.ran.push(name);
    return result;
  });
}

async function run(t: Task<Ctx>, ctx: Ctx = { ran: [] }) {
  const entries: TaskEntry[] = [];
  const step = await t.run(ctx, { clock: new FakeClock(), record: (e) => entries.push(e) });
  return { ...step, ran: ctx.ran, entries };
}

describe('task', () => {
  test('records its name, outcome and message', async () => {
    const out = await run(step('create pod', wait('pod is pending')));
    expect(out.result).toEqual(wait('pod is pending'));
    expect(out.entries).toEqual([{ name: 'create pod', outcome: 'wait', message: 'pod is pending', durationMs: 0 }]);
  });

  test('a step that throws fails with what it threw', async () => {
    const out = await run(
      task('delete store', async () => {
        throw new Error('PD answered 500');
      }),
    );
    expect(out.result.kind).toBe('fail');
    expect(out.entries[0]).toMatchObject({ name: 'delete store', outcome: 'fail', message: 'PD answered 500' });
  });

  test('measures the duration on the injected clock', async () => {
    const clock = new FakeClock();
    const entries: TaskEntry[] = [];
    const slow = task<Ctx>('evict leaders', async () => {
      await clock.advance(250);
      return complete();
    });
    await slow.run({ ran: [] }, { clock, record: (e) => entries.push(e) });
    expect(entries[0]?.durationMs).toBe(250);
  });
});

describe('sequence', () => {
  test('runs every step when all complete', async () => {
    const out = await run(sequence(step('a'), step('b'), step('c')));
    expect(out.ran).toEqual(['a', 'b', 'c']);
    expect(out.result.kind).toBe('complete');
    expect(out.stopped).toBe(false);
  });

  for (const result of [wait(), retry(1000), fail('x')]) {
    test(`stops at the first step that returns ${result.kind}`, async () => {
      const out = await run(sequence(step('a'), step('b', result), step('c')));
      expect(out.ran).toEqual(['a', 'b']);
      expect(out.result).toBe(result);
    });
  }

  test('nested sequences stop the outer one too', async () => {
    const out = await run(sequence(step('a'), sequence(step('b'), step('c', wait())), step('d')));
    expect(out.ran).toEqual(['a', 'b', 'c']);
  });
});

describe('allOf', () => {
  test('runs the other lanes while one waits, and reports the most urgent result', async () => {
    const out = await run(allOf(step('scale in', wait('removal running')), step('pod', retry(5000)), step('c')));
    expect(out.ran).toEqual(['scale in', 'pod', 'c']);
    expect(out.result).toEqual(retry(5000));
    expect(out.stopped).toBe(false);
  });

  test('completes when every lane completes', async () => {
    const out = await run(allOf(step('a'), step('b')));
    expect(out.result.kind).toBe('complete');
  });

  test('stops at a failure', async () => {
    const out = await run(allOf(step('a', fail('boom')), step('b')));
    expect(out.ran).toEqual(['a']);
    expect(out.result.kind).toBe('fail');
  });

  test('stops when a guard inside fires, and the enclosing list stops too', async () => {
    const guard = breakIf<Ctx>('deleting', () => true);
    const out = await run(sequence(allOf(step('a', wait()), sequence(guard), step('b')), step('c')));
    expect(out.ran).toEqual(['a']);
    expect(out.stopped).toBe(true);
  });
});

describe('when', () => {
  test('runs the task only when the predicate holds', async () => {
    const deleting = when<Ctx>((ctx) => ctx.deleting === true, step('remove finalizer'));
    expect((await run(deleting, { ran: [], deleting: true })).ran).toEqual(['remove finalizer']);
    const skipped = await run(deleting, { ran: [] });
    expect(skipped.ran).toEqual([]);
    expect(skipped.entries).toEqual([]);
    expect(skipped.result.kind).toBe('complete');
  });
});

describe('breakIf', () => {
  test('ends every enclosing list with complete when the guard holds', async () => {
    const list = sequence(
      step('context'),
      sequence(breakIf<Ctx>('object gone', (ctx) => ctx.gone === true)),
      step('b'),
    );
    const out = await run(list, { ran: [], gone: true });
    expect(out.ran).toEqual(['context']);
    expect(out.result.kind).toBe('complete');
    expect(out.stopped).toBe(true);
    expect(out.entries.map((e) => `${e.name}=${e.outcome}`)).toEqual(['context=complete', 'object gone=break']);
  });

  test('lets the list go on when the guard does not hold', async () => {
    const out = await run(
      sequence(
        breakIf<Ctx>('object gone', (ctx) => ctx.gone === true),
        step('b'),
      ),
    );
    expect(out.ran).toEqual(['b']);
    expect(out.stopped).toBe(false);
    expect(out.entries.map((e) => e.name)).toEqual(['b']);
  });

  test('runs its own task before stopping and reports that task result', async () => {
    const guard = breakIf<Ctx>(
      'deleting',
      (ctx) => ctx.deleting === true,
      sequence(step('delete pod'), step('wait for pod gone', retry(5000))),
    );
    const out = await run(sequence(guard, step('create pod')), { ran: [], deleting: true });
    expect(out.ran).toEqual(['delete pod', 'wait for pod gone']);
    expect(out.result).toEqual(retry(5000));
    expect(out.stopped).toBe(true);
  });
});
