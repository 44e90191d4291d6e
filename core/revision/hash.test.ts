import { describe, expect, test } from 'bun:test';
import { canonicalJson } from './canonical-json.ts';
import { fnv1a32, revisionHash, safeEncode } from './hash.ts';

describe('canonicalJson', () => {
  test.each([
    ['key order does not matter', { b: 1, a: { d: 2, c: 3 } }, '{"a":{"c":3,"d":2},"b":1}'],
    ['undefined members are dropped', { a: undefined, b: null }, '{"b":null}'],
    ['arrays keep their order and undefined items become null', [3, undefined, 1], '[3,null,1]'],
    ['objects inside arrays are sorted too', [{ z: 1, y: 2 }], '[{"y":2,"z":1}]'],
    ['scalars encode as JSON', 'x', '"x"'],
  ])('%s', (_name, value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  test('values with toJSON encode like JSON.stringify', () => {
    const when = new Date(Date.UTC(2026, 0, 1));
    expect(canonicalJson({ when })).toBe(JSON.stringify({ when }));
  });
});

describe('fnv1a32', () => {
  // Published FNV-1a 32-bit test vectors.
  test.each([
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
  ])('hashes %p to the published value', (text, expected) => {
    expect(fnv1a32(new TextEncoder().encode(text))).toBe(expected);
  });

  test('feeding data in two parts equals feeding it at once', () => {
    const enc = new TextEncoder();
    expect(fnv1a32(enc.encode('bar'), fnv1a32(enc.encode('foo')))).toBe(fnv1a32(enc.encode('foobar')));
  });
});

describe('safeEncode', () => {
  test('keeps the length and uses neither vowels nor 0, 1 and 3', () => {
    const encoded = safeEncode('0123456789');
    expect(encoded).toHaveLength(10);
    expect(encoded).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
  });
});

describe('revisionHash', () => {
  test('equal data with a different key order gives the same hash', () => {
    expect(revisionHash({ a: 1, b: { c: 2, d: 3 } }, 0)).toBe(revisionHash({ b: { d: 3, c: 2 }, a: 1 }, 0));
  });

  test('different data gives a different hash', () => {
    expect(revisionHash({ image: 'tikv:v8.5.0' }, 0)).not.toBe(revisionHash({ image: 'tikv:v8.5.1' }, 0));
  });

  test('a higher collision count changes the hash of the same data', () => {
    expect(revisionHash({ a: 1 }, 1)).not.toBe(revisionHash({ a: 1 }, 0));
  });

  test('is a valid label value', () => {
    expect(revisionHash({ a: 1 }, 0)).toMatch(/^[a-z0-9]{1,10}$/);
  });
});
