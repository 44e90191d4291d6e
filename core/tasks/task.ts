// A reconcile is a list of small named steps (tidb-operator v2's task lists). The list reads like the protocol
// ("evict leaders", "delete store in PD", "wait for tombstone"), and the task summary logged after each
// reconcile uses the same names.
import type { Clock } from '../runtime/clock.ts';
import { combineResults, complete, fail, type TaskResult, type TaskResultKind } from './result.ts';

/** One line of the task summary: a step that ran, or a guard that ended the list. */
export interface TaskEntry {
  name: string;
  outcome: TaskResultKind | 'break';
  message?: string;
  durationMs: number;
}

/** What running a task (or a list of them) produced. */
export interface TaskStep {
  result: TaskResult;
  /** A `breakIf` guard fired: every enclosing list ends here. */
  stopped: boolean;
}

/** Passed down the task tree by the runner. */
export interface TaskScope {
  clock: Clock;
  /** `result` is given for steps (not guards), so the runner can tell which step produced the final result. */
  record(entry: TaskEntry, result?: TaskResult): void;
}

export interface Task<C> {
  readonly name: string;
  run(ctx: C, scope: TaskScope): Promise<TaskStep>;
}

/** The body of a step: reads and mutates the reconcile context, returns what should happen next. */
export type TaskFn<C> = (ctx: C) => TaskResult | Promise<TaskResult>;

export type Predicate<C> = (ctx: C) => boolean;

/** A named step. A step that throws counts as `fail` with what it threw. */
export function task<C>(name: string, fn: TaskFn<C>): Task<C> {
  return {
    name,
    async run(ctx, scope) {
      const start = scope.clock.now();
      let result: TaskResult;
      try {
        result = await fn(ctx);
      } catch (error) {
        result = fail(error);
      }
      const entry: TaskEntry = { name, outcome: result.kind, durationMs: scope.clock.now() - start };
      if (result.message !== undefined) entry.message = result.message;
      scope.record(entry, result);
      return { result, stopped: false };
    },
  };
}

/** Runs the tasks in order and stops at the first one that does not complete (or at a fired guard). */
export function sequence<C>(...tasks: Task<C>[]): Task<C> {
  return {
    name: tasks.map((t) => t.name).join(', '),
    async run(ctx, scope) {
      for (const t of tasks) {
        const step = await t.run(ctx, scope);
        if (step.stopped || step.result.kind !== 'complete') return step;
      }
      return { result: complete(), stopped: false };
    },
  };
}

/**
 * Runs every task even when an earlier one waits or asks for a retry: for independent lanes of one reconcile
 * (an instance's scale-in steps wait on the data plane while its Pod is still kept up to date). The result is
 * the most urgent of theirs (`combineResults`). A failure or a fired guard still ends it at once.
 */
export function allOf<C>(...tasks: Task<C>[]): Task<C> {
  return {
    name: tasks.map((t) => t.name).join(' & '),
    async run(ctx, scope) {
      const results: TaskResult[] = [];
      for (const t of tasks) {
        const step = await t.run(ctx, scope);
        if (step.stopped || step.result.kind === 'fail') return step;
        results.push(step.result);
      }
      return { result: combineResults(results), stopped: false };
    },
  };
}

/** Runs `then` only when the predicate holds; otherwise completes without recording anything. */
export function when<C>(predicate: Predicate<C>, then: Task<C>): Task<C> {
  return {
    name: then.name,
    run: (ctx, scope) =>
      predicate(ctx) ? then.run(ctx, scope) : Promise.resolve({ result: complete(), stopped: false }),
  };
}

/**
 * A guard: when the predicate holds, runs `then` (if given) and ends every enclosing list, with `then`'s
 * result or complete. For "object gone", "cluster paused", "deleting: clean up and stop".
 */
export function breakIf<C>(name: string, predicate: Predicate<C>, then?: Task<C>): Task<C> {
  return {
    name,
    async run(ctx, scope) {
      if (!predicate(ctx)) return { result: complete(), stopped: false };
      scope.record({ name, outcome: 'break', durationMs: 0 });
      const result = then ? (await then.run(ctx, scope)).result : complete();
      return { result, stopped: true };
    },
  };
}
