import { describe, expect, test } from 'bun:test';
import { isUint64, parseJsonLossless, toUint64 } from './json.ts';

describe('parseJsonLossless', () => {
  test('keeps uint64 ids above 2^53 exact, where JSON.parse rounds them', () => {
    const text = '{"header":{"cluster_id":7447266112093815125},"member_id":18446744073709551615}';
    expect(JSON.parse(text).header.cluster_id).toBe(7447266112093815000);
    expect(parseJsonLossless(text)).toEqual({
      header: { cluster_id: 7447266112093815125n },
      member_id: 18446744073709551615n,
    });
  });

  test('safe integers, fractions and exponents stay numbers', () => {
    expect(parseJsonLossless('[9007199254740991, -9007199254740991, 21.3, 1e21, 1234567890123456.5, 0, -0.5]')).toEqual(
      [9007199254740991, -9007199254740991, 21.3, 1e21, 1234567890123456.5, 0, -0.5],
    );
    expect(parseJsonLossless('9007199254740992')).toBe(9007199254740992n);
    expect(parseJsonLossless('-9007199254740993')).toBe(-9007199254740993n);
  });

  test('reads every JSON value like JSON.parse', () => {
    const samples = [
      '{"a":[1,2,{"b":null}],"c":true,"d":false,"e":"x\\"y\\\\z\\n\\u00e9\\ud83d\\ude00"}',
      ' [ ] ',
      '{ }',
      '"plain"',
      '  {"nested": {"deep": [[[]]]}, "empty": ""}  ',
      '-12.5e-3',
    ];
    for (const s of samples) expect(parseJsonLossless(s)).toEqual(JSON.parse(s));
  });

  test('a __proto__ key is plain data', () => {
    const parsed = parseJsonLossless('{"__proto__":{"polluted":1}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(parsed, '__proto__')?.value).toEqual({ polluted: 1 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('rejects malformed input with SyntaxError', () => {
    for (const bad of [
      '',
      '{',
      '[1,]',
      '{"a" 1}',
      '{"a":1,}',
      'tru',
      '01',
      '1 2',
      '"unterminated',
      '"a\u0001"',
      '{a:1}',
    ]) {
      expect(() => parseJsonLossless(bad)).toThrow(SyntaxError);
    }
  });
});

describe('uint64 ids', () => {
  test('toUint64 gives canonical decimal strings from strings, bigint and safe numbers', () => {
    expect(toUint64('13108417562371226873')).toBe('13108417562371226873');
    expect(toUint64(13108417562371226873n)).toBe('13108417562371226873');
    expect(toUint64(4)).toBe('4');
    expect(toUint64(0n)).toBe('0');
  });

  test('toUint64 refuses values that are not exact uint64', () => {
    for (const bad of [-1, 1.5, 2 ** 60, '007', '-3', 'abc', '', '18446744073709551616', 1n << 64n, -1n]) {
      expect(() => toUint64(bad)).toThrow(RangeError);
    }
  });

  test('isUint64 checks the range', () => {
    expect(isUint64('18446744073709551615')).toBe(true);
    expect(isUint64('18446744073709551616')).toBe(false);
    expect(isUint64('1e3')).toBe(false);
  });
});
