import { expect, test } from 'bun:test';
import { parseQuantity } from './quantity.ts';

test.each([
  ['1Gi', 2 ** 30],
  ['1024Mi', 2 ** 30],
  ['10G', 10e9],
  ['500M', 500e6],
  ['1.5Ki', 1536],
  ['100', 100],
  ['1e3', 1000],
  ['2E', 2e18],
  ['250m', 0.25],
])('%s is %d', (text, value) => {
  expect(parseQuantity(text)).toBe(value);
});

test('rejects text that is not a quantity', () => {
  expect(() => parseQuantity('ten gigs')).toThrow('not a Kubernetes quantity');
  expect(() => parseQuantity('1GB')).toThrow('not a Kubernetes quantity');
});
