// minReadySeconds: an instance counts as available only after being ready for that long without a break, so a
// rollout does not race ahead of instances that crash right after becoming ready.

export interface Availability {
  available: boolean;
  /** When not yet available but ready: how long until it will be, so the caller can requeue for exactly then. */
  recheckAfterMs?: number;
}

/**
 * Decides whether an instance is available at `nowMs`: it has been ready since `readySinceMs` (undefined when
 * not ready) for at least `minReadySeconds`.
 */
export function availability(readySinceMs: number | undefined, minReadySeconds: number, nowMs: number): Availability {
  if (readySinceMs === undefined) return { available: false };
  const remaining = readySinceMs + Math.max(0, minReadySeconds) * 1000 - nowMs;
  return remaining <= 0 ? { available: true } : { available: false, recheckAfterMs: remaining };
}
