// Durations in the API are Go duration strings ("30s", "5m", "1h30m"): what CEL's duration() and kubectl users
// know. Only non-negative values without the µ sign are accepted.

export const DURATION_PATTERN = '^([0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h))+$';
const durationRegex = new RegExp(DURATION_PATTERN);
const unitMs: Record<string, number> = { ns: 1e-6, us: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of a Go duration string, or undefined when it is not one. */
export function parseDurationMs(value: string): number | undefined {
  if (!durationRegex.test(value)) return undefined;
  let total = 0;
  for (const [, amount, unit] of value.matchAll(/([0-9]+(?:\.[0-9]+)?)(ns|us|ms|s|m|h)/g)) {
    total += Number(amount) * (unitMs[unit as string] as number);
  }
  return total;
}
