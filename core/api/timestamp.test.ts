import { describe, expect, test } from 'bun:test';
import { parseTimestampMs } from './timestamp.ts';

describe('parseTimestampMs', () => {
  test.each([
    ['2026-11-21T00:00:00Z', Date.UTC(2026, 10, 21)],
    ['2026-11-21T00:00:01.500Z', Date.UTC(2026, 10, 21, 0, 0, 1, 500)],
    ['not a time', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%p -> %p', (value, expected) => {
    expect(parseTimestampMs(value)).toBe(expected);
  });
});
