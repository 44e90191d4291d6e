// Value formats PD's JSON uses because it is written in Go: durations as Go duration strings ("30m0s"),
// sizes as docker/go-units strings ("100GiB"), times as RFC 3339 with nanoseconds. The simulator emits the
// same strings so clients parse what real PD sends.

const NS_PER = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 } as const;

/**
 * Parses a Go duration ("1h2m3.5s", "30s", "-1m", "0") into milliseconds. Returns undefined when the text is not
 * a Go duration (Go's time.ParseDuration grammar: a sign, then number+unit pairs; a bare 0 is allowed).
 */
export function parseGoDuration(text: string): number | undefined {
  let s = text;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') return undefined;
  const pair = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/;
  let totalNs = 0;
  while (s.length > 0) {
    const m = pair.exec(s);
    if (!m) return undefined;
    const value = Number(m[1]);
    const unit = m[2] as keyof typeof NS_PER;
    totalNs += value * NS_PER[unit];
    s = s.slice(m[0].length);
  }
  return (sign * totalNs) / 1e6;
}

/** Formats milliseconds (fractions allowed, down to nanoseconds) the way Go's time.Duration.String does. */
export function formatGoDuration(ms: number): string {
  let ns = Math.round(ms * 1e6);
  if (ns === 0) return '0s';
  const negative = ns < 0;
  if (negative) ns = -ns;
  let out: string;
  if (ns < 1e9) {
    // Below one second Go picks the largest unit that keeps the integer part non-zero.
    if (ns < 1e3) out = `${ns}ns`;
    else if (ns < 1e6) out = `${trimFraction(ns / 1e3, 3)}µs`;
    else out = `${trimFraction(ns / 1e6, 6)}ms`;
  } else {
    const hours = Math.floor(ns / 3600e9);
    const minutes = Math.floor((ns % 3600e9) / 60e9);
    const seconds = (ns % 60e9) / 1e9;
    out = `${trimFraction(seconds, 9)}s`;
    if (hours > 0 || minutes > 0) out = `${minutes}m${out}`;
    if (hours > 0) out = `${hours}h${out}`;
  }
  return negative ? `-${out}` : out;
}

function trimFraction(value: number, digits: number): string {
  const fixed = value.toFixed(digits);
  return fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
}

const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

/** docker/go-units BytesSize (PD's typeutil.ByteSize JSON): binary units, 4 significant digits ("95.5GiB"). */
export function formatByteSize(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BINARY_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  // Go's %.4g: four significant digits, trailing zeros dropped.
  return `${Number(value.toPrecision(4))}${BINARY_UNITS[unit]}`;
}

/** RFC 3339 in UTC as Go's time.Time marshals it: no fraction when whole seconds, otherwise trailing zeros cut. */
export function formatGoTime(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2024-12-11T07:33:20.123Z
  return iso.replace(/\.(\d+)Z$/, (_, frac: string) => {
    const trimmed = frac.replace(/0+$/, '');
    return trimmed === '' ? 'Z' : `.${trimmed}Z`;
  });
}
