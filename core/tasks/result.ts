// What one step of a reconcile reports. The four results are the whole vocabulary of "what happens next":
// carry on, wait for an event, look again after a while, or fail with backoff.

export type TaskResult =
  /** The step's goal holds; the next step runs. */
  | { readonly kind: 'complete'; readonly message?: string }
  /** Blocked until something changes; a watch event will trigger the next reconcile, so no requeue. */
  | { readonly kind: 'wait'; readonly message?: string }
  /** Blocked on something no event reports (a timeout, a poll); reconcile again after `afterMs`. */
  | { readonly kind: 'retry'; readonly afterMs: number; readonly message?: string }
  /** An error; the reconcile fails and the key is retried with exponential backoff. */
  | { readonly kind: 'fail'; readonly error: Error; readonly message: string };

export type TaskResultKind = TaskResult['kind'];

export function complete(message?: string): TaskResult {
  return message === undefined ? { kind: 'complete' } : { kind: 'complete', message };
}

export function wait(message?: string): TaskResult {
  return message === undefined ? { kind: 'wait' } : { kind: 'wait', message };
}

/** `afterMs` must be positive: use `fail` for "try again soon with backoff". */
export function retry(afterMs: number, message?: string): TaskResult {
  if (!(afterMs > 0)) throw new Error(`retry needs a positive delay, got ${afterMs} ms`);
  return message === undefined ? { kind: 'retry', afterMs } : { kind: 'retry', afterMs, message };
}

/** Accepts anything thrown; a string becomes the error message. */
export function fail(error: unknown): TaskResult {
  const err = error instanceof Error ? error : new Error(String(error));
  return { kind: 'fail', error: err, message: err.message };
}

const severity: Record<TaskResultKind, number> = { complete: 0, wait: 1, retry: 2, fail: 3 };

/**
 * The most urgent of several results: a failure wins over a retry, a retry over a wait, a wait over complete.
 * Of several retries the earliest wins, because the reconcile must come back when the first of them is due.
 */
export function combineResults(results: readonly TaskResult[]): TaskResult {
  let out: TaskResult = complete();
  for (const r of results) {
    if (severity[r.kind] > severity[out.kind]) out = r;
    else if (r.kind === 'retry' && out.kind === 'retry' && r.afterMs < out.afterMs) out = r;
  }
  return out;
}
