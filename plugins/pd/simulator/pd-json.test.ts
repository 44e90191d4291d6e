import { describe, expect, test } from 'bun:test';
import { encodePdJson, parseJsonLossless } from './pd-json.ts';

describe('PD JSON', () => {
  test('writes uint64 ids as bare integers with every digit', () => {
    const text = encodePdJson({ header: { cluster_id: 7447266112093815125n }, count: 2 });
    expect(text).toContain('"cluster_id": 7447266112093815125');
    expect(text.endsWith('}\n')).toBe(true);
  });

  test('leaves out undefined fields (omitempty) and keeps nulls', () => {
    expect(JSON.parse(encodePdJson({ a: undefined, b: null, c: [] }))).toEqual({ b: null, c: [] });
  });

  test('a string body is a JSON string, like PD error responses', () => {
    expect(encodePdJson('[PD:core:ErrStoreNotFound]store 9 not found')).toBe(
      '"[PD:core:ErrStoreNotFound]store 9 not found"\n',
    );
  });

  test('is valid JSON that JSON.parse reads (rounding the large ids) and the lossless parser reads exactly', () => {
    const value = { id: 18446744073709551615n, small: 12, f: 1.5, s: 'x"y', list: [true, false, null], nested: {} };
    const text = encodePdJson(value);
    expect(JSON.parse(text).small).toBe(12);
    expect(parseJsonLossless(text)).toEqual(value);
  });

  test('the lossless parser keeps safe integers and floats as numbers', () => {
    expect(parseJsonLossless('[9007199254740991, 9007199254740993, -9007199254740993, 1e3, 0.5]')).toEqual([
      9007199254740991,
      9007199254740993n,
      -9007199254740993n,
      1000,
      0.5,
    ]);
  });

  test.each(['', '{', '[1,]', '{"a" 1}', 'tru', '"open', '1 2'])('the lossless parser rejects %p', (text) => {
    expect(() => parseJsonLossless(text)).toThrow(SyntaxError);
  });
});
