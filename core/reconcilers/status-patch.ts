// The status is written as a merge patch of the whole status the reconcile computed. A merge patch keeps every
// field it does not mention, so a field that was there before and is gone now must be sent as null for the
// apiserver to remove it.

/** `after` as a merge patch over `before`: fields of `before` that `after` no longer has become null. */
export function statusMergePatch(
  before: Record<string, unknown> | undefined,
  after: Record<string, unknown>,
): Record<string, unknown> {
  const patch: Record<string, unknown> = { ...after };
  for (const key of Object.keys(before ?? {})) if (after[key] === undefined) patch[key] = null;
  return patch;
}
