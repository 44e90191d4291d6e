// JSON as PD writes it and as a careful client must read it. PD's ids are uint64 and Go writes them as bare
// numbers with all digits (7447266112093815125), which JSON.stringify cannot produce and JSON.parse rounds.
// The encoder writes bigint values as bare digits; the lossless parser reads integers beyond 2^53 as bigint.

export type PdJson = null | boolean | number | bigint | string | PdJson[] | { [key: string]: PdJson | undefined };

/**
 * Encodes like Go's json.MarshalIndent(v, "", "  ") followed by a newline (what PD's render with IndentJSON
 * sends). bigint is written as a bare integer; object keys whose value is undefined are left out (omitempty).
 */
export function encodePdJson(value: PdJson): string {
  return `${encodeValue(value, '')}\n`;
}

function encodeValue(value: PdJson | undefined, indent: string): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'number':
      if (!Number.isFinite(value)) throw new Error(`cannot encode ${value} as JSON`);
      return JSON.stringify(value);
    case 'boolean':
    case 'string':
      return JSON.stringify(value);
  }
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => inner + encodeValue(v, inner)).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  const body = entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${encodeValue(v, inner)}`).join(',\n');
  return `{\n${body}\n${indent}}`;
}

export type LosslessJson = null | boolean | number | bigint | string | LosslessJson[] | { [key: string]: LosslessJson };

/**
 * Parses JSON keeping integers outside the safe range exact (as bigint); every other number stays a number.
 * Throws SyntaxError on malformed input, like JSON.parse.
 */
export function parseJsonLossless(text: string): LosslessJson {
  let i = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at position ${i}`);
  };
  const skipWhitespace = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const parseString = (): string => {
    const start = i;
    i++; // opening quote
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) fail('unterminated string');
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const parseNumber = (): number | bigint => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m) return fail('invalid number');
    i += m[0].length;
    const isInteger = m[2] === undefined && m[3] === undefined;
    if (isInteger) {
      const big = BigInt(m[0]);
      if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER)) return big;
    }
    return Number(m[0]);
  };
  const parseValue = (): LosslessJson => {
    skipWhitespace();
    const c = text[i];
    if (c === '{') {
      i++;
      const obj: { [key: string]: LosslessJson } = {};
      skipWhitespace();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        skipWhitespace();
        if (text[i] !== '"') fail('expected a key');
        const key = parseString();
        skipWhitespace();
        if (text[i] !== ':') fail('expected ":"');
        i++;
        obj[key] = parseValue();
        skipWhitespace();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return obj;
        }
        fail('expected "," or "}"');
      }
    }
    if (c === '[') {
      i++;
      const arr: LosslessJson[] = [];
      skipWhitespace();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(parseValue());
        skipWhitespace();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return arr;
        }
        fail('expected "," or "]"');
      }
    }
    if (c === '"') return parseString();
    if (text.startsWith('true', i)) {
      i += 4;
      return true;
    }
    if (text.startsWith('false', i)) {
      i += 5;
      return false;
    }
    if (text.startsWith('null', i)) {
      i += 4;
      return null;
    }
    return parseNumber();
  };
  const result = parseValue();
  skipWhitespace();
  if (i !== text.length) fail('unexpected trailing text');
  return result;
}
