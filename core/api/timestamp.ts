// Times in the API are RFC 3339 strings (metadata.creationTimestamp, a Pod's status.startTime, annotations the
// operator writes); decisions compare them as epoch milliseconds.

/** Epoch milliseconds of an RFC 3339 time, or undefined when it is missing or not a time. */
export function parseTimestampMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
