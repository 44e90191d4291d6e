// Status conditions in the shape of Kubernetes' metav1.Condition, updated the way apimachinery's
// meta.SetStatusCondition does it: lastTransitionTime moves only when the status changes, so it tells the user
// since when a condition holds, and an unchanged condition never causes a status write.

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  /** CamelCase, for example `Ready`, `Synced`, `LeadersEvicted`. */
  type: string;
  status: ConditionStatus;
  /** CamelCase machine-readable cause, for example `StoreNotUp`. */
  reason: string;
  /** What a human should know, possibly what to do. */
  message: string;
  /** The object's metadata.generation the condition was computed from. */
  observedGeneration?: number;
  /** RFC 3339 time, seconds precision, of the last change of `status`. */
  lastTransitionTime: string;
}

/** A condition to set; `lastTransitionTime` is filled in when omitted. */
export type ConditionUpdate = Omit<Condition, 'lastTransitionTime'> & { lastTransitionTime?: string };

/** metav1.Time serializes as RFC 3339 with whole seconds (`2026-11-20T23:12:33Z`). */
export function formatConditionTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

export function getCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isConditionTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return getCondition(conditions, type)?.status === 'True';
}

/**
 * Returns a new list with `update` set (appended when the type is new, replaced in place otherwise). When the
 * status is unchanged the existing lastTransitionTime is kept; otherwise it is `update.lastTransitionTime`
 * or `nowMs`.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  update: ConditionUpdate,
  nowMs: number,
): Condition[] {
  const list = conditions ?? [];
  const existing = list.find((c) => c.type === update.type);
  const lastTransitionTime =
    existing && existing.status === update.status
      ? existing.lastTransitionTime
      : (update.lastTransitionTime ?? formatConditionTime(nowMs));
  const next: Condition = {
    type: update.type,
    status: update.status,
    reason: update.reason,
    message: update.message,
    lastTransitionTime,
  };
  if (update.observedGeneration !== undefined) next.observedGeneration = update.observedGeneration;
  return existing ? list.map((c) => (c === existing ? next : c)) : [...list, next];
}

/** Returns a new list without the condition of `type`. */
export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}
