// A byte-stable JSON encoding: the revision hash must not change when the apiserver (or a user) reorders keys,
// because a changed hash rolls every instance of the group.

/**
 * JSON with object keys sorted (by UTF-16 code unit, recursively) and `undefined` members dropped, so two
 * values that are equal as data always encode to the same string. Arrays keep their order: order is data.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : sortKeys(item)));
  if (value === null || typeof value !== 'object') return value;
  // toJSON (Date and friends) first, as JSON.stringify would, so the sorted copy encodes the same value.
  const withJson = value as { toJSON?: () => unknown };
  if (typeof withJson.toJSON === 'function') return sortKeys(withJson.toJSON());
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const member = (value as Record<string, unknown>)[key];
    if (member !== undefined) sorted[key] = sortKeys(member);
  }
  return sorted;
}
