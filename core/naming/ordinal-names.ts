// Instance names are `<group>-<ordinal>`, like StatefulSet Pods: short, predictable, sortable, and a
// scale-in that removes the highest ordinals first leaves the low names in place. A name is reused only once
// nothing holds it any more (no instance, Pod, PVC or data-plane member), so new data never meets old data.

/** The name of the instance with this ordinal in `group`. */
export function instanceName(group: string, ordinal: number): string {
  return `${group}-${ordinal}`;
}

/**
 * The ordinal of `name` in `group`, or undefined when the name is not `<group>-<decimal>` (a name the operator
 * did not allocate, or one of another group whose name only starts the same way). Leading zeros are rejected:
 * `<group>-01` would otherwise alias `<group>-1`.
 */
export function ordinalOf(group: string, name: string): number | undefined {
  const prefix = `${group}-`;
  if (!name.startsWith(prefix)) return undefined;
  const digits = name.slice(prefix.length);
  if (!/^(0|[1-9][0-9]*)$/.test(digits)) return undefined;
  const ordinal = Number(digits);
  return Number.isSafeInteger(ordinal) ? ordinal : undefined;
}

/**
 * Decides the names of `count` new instances: the lowest ordinals whose names are not in `taken`. `taken` must
 * hold every name still in use anywhere: instances, Pods and PVCs (by their instance label), data-plane
 * members, and names allocated recently but possibly not yet in the cache (see `NameReservations`).
 */
export function allocateNames(group: string, count: number, taken: ReadonlySet<string>): string[] {
  const names: string[] = [];
  for (let ordinal = 0; names.length < count; ordinal++) {
    const name = instanceName(group, ordinal);
    if (!taken.has(name)) names.push(name);
  }
  return names;
}
