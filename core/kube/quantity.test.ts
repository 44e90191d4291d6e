import { describe, expect, test } from 'bun:test';
import { compareQuantities, isQuantity, parseQuantity, quantityToNumber } from './quantity.ts';

describe('compareQuantities', () => {
  test.each<[string, string, number]>([
    ['10Gi', '10737418240', 0],
    ['1Gi', '1024Mi', 0],
    ['1.5Gi', '1536Mi', 0],
    ['1G', '1000M', 0],
    ['1e3', '1k', 0],
    ['1E3', '1000', 0],
    ['500m', '0.5', 0],
    ['.5', '500m', 0],
    ['1Gi', '1G', 1],
    ['100Gi', '200Gi', -1],
    ['1Ti', '1000Gi', 1],
    ['1n', '0', 1],
    ['-1', '0', -1],
    ['1e-3', '1m', 0],
  ])('%s vs %s -> %d', (a, b, expected) => {
    expect(compareQuantities(a, b)).toBe(expected);
  });

  test.each(['', 'Gi', '1GB', '1.2.3', 'ten', '1 Gi', '.'])('%p is not a quantity', (text) => {
    expect(parseQuantity(text)).toBeUndefined();
    expect(compareQuantities(text, '1')).toBeUndefined();
  });
});

describe('quantityToNumber', () => {
  test.each([
    ['10Gi', 10 * 2 ** 30],
    ['1Ei', 2 ** 60],
    ['1.5Ki', 1536],
    ['500m', 0.5],
    ['.5', 0.5],
    ['100M', 1e8],
    ['2k', 2000],
    ['3e3', 3000],
    ['1E-3', 0.001],
    ['0', 0],
  ])('%s is %d', (text, value) => {
    expect(quantityToNumber(text)).toBeCloseTo(value, 9);
  });
});

describe('isQuantity (what the API accepts: non-negative)', () => {
  test.each(['10Gi', '0', '1.5', '.5', '3e3', '250m'])('accepts %p', (text) => {
    expect(isQuantity(text)).toBe(true);
  });
  test.each(['', '-1Gi', '10GB', '1.2.3', 'Gi', '10 Gi', '1ki'])('rejects %p', (text) => {
    expect(isQuantity(text)).toBe(false);
  });
});
