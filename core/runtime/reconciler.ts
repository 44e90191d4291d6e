// The seam between the runtime and the operator's logic: a key in, a decision out (controller-runtime's
// `reconcile.Reconciler`, kube-rs's `Action`). Everything a reconciler needs to know it reads from caches.

/**
 * What the controller does with the key after a successful reconcile:
 * - `{}`: nothing; the key is processed again when an event arrives (its backoff is reset);
 * - `{ requeueAfterMs: n }` with n > 0: process it again after n ms (its backoff is reset);
 * - `{ requeueAfterMs: 0 }`: process it again soon, through the rate limiter, so a reconcile that keeps
 *   asking for an immediate retry cannot spin.
 * A reconcile that throws is retried through the rate limiter (exponential backoff per key).
 */
export interface ReconcileResult {
  requeueAfterMs?: number;
}

export interface Reconciler {
  /** `key` is `namespace/name` (or `name`); `signal` aborts when the controller stops. */
  reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult>;
}
