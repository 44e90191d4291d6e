// JSON as PD writes it, read without losing digits. PD's member ids and cluster ids are random uint64 values
// that Go writes as bare numbers (7447266112093815125); JSON.parse rounds them to the nearest double, so a
// member deleted by such an id would be the wrong one (or none). This parser keeps every integer literal
// outside the safe range exact as a bigint; the response decoders then turn ids into decimal strings, the
// one representation the client hands out (it survives JSON.stringify, Map keys and Kubernetes status).

export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | { [key: string]: JsonValue };

/** A uint64 as its decimal digits, without sign or leading zeros ("0" for zero). */
export type Uint64 = string;

const MAX_UINT64 = (1n << 64n) - 1n;
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);
const SAFE_MIN = BigInt(Number.MIN_SAFE_INTEGER);
const NUMBER_PATTERN = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
const UINT64_PATTERN = /^(?:0|[1-9]\d*)$/;

/**
 * Parses JSON like JSON.parse, except that integer literals outside ±(2^53 - 1) come back as exact bigint
 * values. Other numbers (safe integers, fractions, exponents) stay numbers. Throws SyntaxError on bad input.
 */
export function parseJsonLossless(text: string): JsonValue {
  let pos = 0;

  const fail = (what: string): never => {
    throw new SyntaxError(`JSON: ${what} at position ${pos}`);
  };
  const skipWhitespace = () => {
    for (;;) {
      const c = text.charCodeAt(pos);
      // space, tab, line feed, carriage return: the only whitespace JSON allows
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) pos++;
      else return;
    }
  };
  const expect = (literal: string) => {
    if (!text.startsWith(literal, pos)) fail(`expected ${literal}`);
    pos += literal.length;
  };

  const readString = (): string => {
    const start = pos;
    pos++; // the opening quote
    let escaped = false;
    for (;;) {
      if (pos >= text.length) fail('unterminated string');
      const c = text.charCodeAt(pos);
      if (c === 0x22 /* " */) break;
      if (c === 0x5c /* \ */) {
        escaped = true;
        pos += 2;
        continue;
      }
      if (c < 0x20) fail('control character in string');
      pos++;
    }
    pos++; // the closing quote
    const raw = text.slice(start, pos);
    // Escapes (\n, \u00e9, surrogate pairs) are JSON's own; JSON.parse decodes a lone string literal exactly.
    return escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1);
  };

  const readNumber = (): number | bigint => {
    NUMBER_PATTERN.lastIndex = pos;
    const m = NUMBER_PATTERN.exec(text);
    if (!m) return fail('unexpected character');
    pos += m[0].length;
    const isInteger = m[1] === undefined && m[2] === undefined;
    if (isInteger && m[0].replace('-', '').length >= 16) {
      const big = BigInt(m[0]);
      if (big > SAFE_MAX || big < SAFE_MIN) return big;
    }
    return Number(m[0]);
  };

  const readValue = (depth: number): JsonValue => {
    if (depth > 512) fail('nesting too deep');
    skipWhitespace();
    const c = text[pos];
    switch (c) {
      case '{': {
        pos++;
        const obj: { [key: string]: JsonValue } = {};
        skipWhitespace();
        if (text[pos] === '}') {
          pos++;
          return obj;
        }
        for (;;) {
          skipWhitespace();
          if (text[pos] !== '"') fail('expected a string key');
          const key = readString();
          skipWhitespace();
          expect(':');
          // defineProperty: a key named __proto__ is data, as with JSON.parse, not a prototype change.
          Object.defineProperty(obj, key, { value: readValue(depth + 1), enumerable: true, writable: true });
          skipWhitespace();
          if (text[pos] === ',') {
            pos++;
            continue;
          }
          expect('}');
          return obj;
        }
      }
      case '[': {
        pos++;
        const arr: JsonValue[] = [];
        skipWhitespace();
        if (text[pos] === ']') {
          pos++;
          return arr;
        }
        for (;;) {
          arr.push(readValue(depth + 1));
          skipWhitespace();
          if (text[pos] === ',') {
            pos++;
            continue;
          }
          expect(']');
          return arr;
        }
      }
      case '"':
        return readString();
      case 't':
        expect('true');
        return true;
      case 'f':
        expect('false');
        return false;
      case 'n':
        expect('null');
        return null;
      case undefined:
        return fail('unexpected end of input');
      default:
        return readNumber();
    }
  };

  const value = readValue(0);
  skipWhitespace();
  if (pos !== text.length) fail('unexpected text after the value');
  return value;
}

/** Whether `text` is a uint64 in canonical decimal form. */
export function isUint64(text: string): boolean {
  return UINT64_PATTERN.test(text) && BigInt(text) <= MAX_UINT64;
}

/**
 * A uint64 given as decimal string, bigint or safe integer, in canonical decimal form. Throws RangeError for
 * anything else (negative, fractional, unsafe number, too large): an id that cannot be represented exactly
 * must never reach a URL.
 */
export function toUint64(value: string | number | bigint): Uint64 {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${value} is not an exact uint64`);
    return String(value);
  }
  if (typeof value === 'bigint') {
    if (value < 0n || value > MAX_UINT64) throw new RangeError(`${value} is out of the uint64 range`);
    return value.toString();
  }
  if (!isUint64(value)) throw new RangeError(`"${value}" is not a uint64 in decimal`);
  return value;
}
