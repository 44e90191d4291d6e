import { expect, test } from 'bun:test';
import { statusMergePatch } from './status-patch.ts';

test('fields that disappeared are sent as null, the others as they are', () => {
  expect(statusMergePatch({ a: 1, b: 2, c: 3 }, { a: 5, c: undefined, d: 4 })).toEqual({
    a: 5,
    b: null,
    c: null,
    d: 4,
  });
});

test('without a previous status the patch is the status', () => {
  expect(statusMergePatch(undefined, { a: 1 })).toEqual({ a: 1 });
});
