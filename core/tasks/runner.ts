// Runs a reconcile's task list and turns its outcome into the controller's decision. The main list stops at
// its first non-complete step (later steps usually depend on earlier ones); the `always` steps run after it
// whatever happened, because conditions and the single status write must reflect a waiting or failing
// reconcile too.
import { type Clock, realClock } from '../runtime/clock.ts';
import type { ReconcileResult } from '../runtime/reconciler.ts';
import { combineResults, type TaskResult } from './result.ts';
import { sequence, type Task, type TaskEntry } from './task.ts';

export interface RunTasksOptions<C> {
  /** Steps run after the main list, each of them, whatever the list's outcome (conditions, status write). */
  always?: Task<C>[];
  clock?: Clock;
}

export interface TaskRun {
  /** Combined outcome: the main list's result and every `always` step's result (see `combineResults`). */
  result: TaskResult;
  /** Every step that ran and every guard that fired, in order. */
  entries: TaskEntry[];
  /** The name of the guard that ended the main list, if one did. */
  brokenBy?: string;
  /** The step whose failure decided `result`, if it failed. */
  failedTask?: string;
}

export async function runTasks<C>(ctx: C, tasks: Task<C>[], opts: RunTasksOptions<C> = {}): Promise<TaskRun> {
  const entries: TaskEntry[] = [];
  const producedBy = new Map<TaskResult, string>();
  const scope = {
    clock: opts.clock ?? realClock,
    record(entry: TaskEntry, result?: TaskResult) {
      entries.push(entry);
      if (result) producedBy.set(result, entry.name);
    },
  };
  const main = await sequence(...tasks).run(ctx, scope);
  const results = [main.result];
  for (const t of opts.always ?? []) results.push((await t.run(ctx, scope)).result);
  const result = combineResults(results);
  const run: TaskRun = { result, entries };
  if (main.stopped) {
    const guard = entries.find((e) => e.outcome === 'break');
    if (guard) run.brokenBy = guard.name;
  }
  const failedTask = result.kind === 'fail' ? producedBy.get(result) : undefined;
  if (failedTask !== undefined) run.failedTask = failedTask;
  return run;
}

/** A failed reconcile step; the message names the step, the cause is what it failed with. */
export class TaskFailedError extends Error {
  override readonly name = 'TaskFailedError';
  constructor(
    readonly task: string,
    cause: Error,
  ) {
    super(`${task}: ${cause.message}`, { cause });
  }
}

/**
 * The controller's decision: complete and wait return `{}` (wait for events), retry returns its delay, fail
 * throws (a `TaskFailedError` naming the step) so the controller retries with backoff.
 */
export function toReconcileResult(run: TaskRun): ReconcileResult {
  const r = run.result;
  switch (r.kind) {
    case 'complete':
    case 'wait':
      return {};
    case 'retry':
      return { requeueAfterMs: r.afterMs };
    case 'fail':
      throw run.failedTask ? new TaskFailedError(run.failedTask, r.error) : r.error;
  }
}

/** One line for the debug log "task summary": `context: complete 0ms; object gone: break; ...`. */
export function formatTaskSummary(entries: readonly TaskEntry[]): string {
  return entries
    .map((e) => {
      const time = e.outcome === 'break' ? '' : ` ${e.durationMs}ms`;
      const message = e.message ? ` (${e.message})` : '';
      return `${e.name}: ${e.outcome}${time}${message}`;
    })
    .join('; ');
}
