import { describe, expect, test } from 'bun:test';
import { availability } from './availability.ts';

describe('availability', () => {
  test.each<[string, number | undefined, number, number, ReturnType<typeof availability>]>([
    ['not ready is not available', undefined, 5, 10_000, { available: false }],
    [
      'ready for less than minReadySeconds waits for the rest',
      8_000,
      5,
      10_000,
      { available: false, recheckAfterMs: 3_000 },
    ],
    ['ready for exactly minReadySeconds is available', 5_000, 5, 10_000, { available: true }],
    ['ready for longer is available', 1_000, 5, 10_000, { available: true }],
    ['minReadySeconds 0 makes ready instances available at once', 10_000, 0, 10_000, { available: true }],
  ])('%s', (_name, readySince, minReadySeconds, now, expected) => {
    expect(availability(readySince, minReadySeconds, now)).toEqual(expected);
  });
});
