import { expect, test } from 'bun:test';
import { isDerivative } from './derivative.ts';

test.each([
  ['equal scalars', 1, 1, true],
  ['different scalars', 'a', 'b', false],
  ['fields the object adds are ignored', { a: 1 }, { a: 1, b: 2 }, true],
  ['a field the object lacks is a difference', { a: 1, b: 2 }, { a: 1 }, false],
  ['nested objects compare key by key', { s: { a: 1 } }, { s: { a: 1, x: 0 } }, true],
  ['arrays must have the same length', [1], [1, 2], false],
  ['array elements compare as derivatives', [{ port: 1 }], [{ port: 1, protocol: 'TCP' }], true],
  ['undefined in the intent sets nothing', { a: undefined }, {}, true],
  ['null must be null', { a: null }, { a: 0 }, false],
  ['an object is not an array', { a: {} }, { a: [] }, false],
  ['an intent object against a missing value', { a: { b: 1 } }, {}, false],
])('%s', (_, desired, actual, expected) => {
  expect(isDerivative(desired, actual)).toBe(expected);
});
