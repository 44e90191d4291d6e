import { describe, expect, test } from 'bun:test';
import { isQuantity, parseQuantity } from './quantity.ts';

describe('parseQuantity', () => {
  test.each([
    ['10Gi', 10 * 2 ** 30],
    ['1Ei', 2 ** 60],
    ['500m', 0.5],
    ['2', 2],
    ['1.5', 1.5],
    ['.5', 0.5],
    ['100M', 1e8],
    ['2k', 2000],
    ['3e3', 3000],
    ['1E-3', 0.001],
    ['0', 0],
  ])('%s is %d', (text, value) => {
    expect(parseQuantity(text)).toBeCloseTo(value, 9);
  });

  test.each(['', '-1Gi', '10GB', '1.2.3', 'Gi', '10 Gi', '1ki'])('rejects %p', (text) => {
    expect(parseQuantity(text)).toBeUndefined();
    expect(isQuantity(text)).toBe(false);
  });

  test('orders binary and decimal suffixes by value', () => {
    expect(parseQuantity('1Gi')! > parseQuantity('1G')!).toBe(true);
    expect(parseQuantity('1024Mi')).toBe(parseQuantity('1Gi')!);
  });
});
