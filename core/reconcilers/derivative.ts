// "Does the object already say what we would apply?" Server-side apply is idempotent, but every apply is still a
// write request; at steady state the operator must make none. So before applying, the reconciler compares its
// intent with the cached object: the intent is satisfied when every field it sets has that value in the object
// (fields the apiserver defaulted or others own are ignored), as controller-runtime users do with
// equality.Semantic.DeepDerivative.

/**
 * True when `actual` holds everything `desired` sets: objects key by key (extra keys in `actual` are fine),
 * arrays element by element with the same length, scalars equal. `undefined` in `desired` sets nothing.
 */
export function isDerivative(desired: unknown, actual: unknown): boolean {
  if (desired === undefined) return true;
  if (desired === null || typeof desired !== 'object') return desired === actual;
  if (Array.isArray(desired)) {
    return (
      Array.isArray(actual) && actual.length === desired.length && desired.every((d, i) => isDerivative(d, actual[i]))
    );
  }
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
  const a = actual as Record<string, unknown>;
  return Object.entries(desired as Record<string, unknown>).every(([k, v]) => isDerivative(v, a[k]));
}
