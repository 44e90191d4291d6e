import { describe, expect, test } from 'bun:test';
import { parseDurationMs } from './duration.ts';

describe('parseDurationMs', () => {
  test.each([
    ['5m', 300_000],
    ['30s', 30_000],
    ['1h30m', 5_400_000],
    ['1.5s', 1500],
    ['250ms', 250],
    ['0s', 0],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDurationMs(text)).toBeCloseTo(ms, 6);
  });

  test.each(['', '5', '-1s', '1d', 'm5', '5 m'])('rejects %p', (text) => {
    expect(parseDurationMs(text)).toBeUndefined();
  });
});
