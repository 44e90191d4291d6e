import { describe, expect, test } from 'bun:test';
import { formatByteSize, formatGoDuration, formatGoTime, parseGoDuration } from './go-format.ts';

describe('Go durations', () => {
  test.each([
    [0, '0s'],
    [1, '1ms'],
    [1.5, '1.5ms'],
    [0.000_5, '500ns'],
    [0.002_5, '2.5µs'],
    [1000, '1s'],
    [30_000, '30s'],
    [123_456.789_012, '2m3.456789012s'],
    [30 * 60_000, '30m0s'],
    [3600_000, '1h0m0s'],
    [-90_000, '-1m30s'],
  ])('%p ms formats as %p', (ms, text) => {
    expect(formatGoDuration(ms)).toBe(text);
  });

  test.each([
    ['30m', 1_800_000],
    ['30m0s', 1_800_000],
    ['1h2m3.5s', 3_723_500],
    ['1m', 60_000],
    ['500ms', 500],
    ['1.5h', 5_400_000],
    ['0', 0],
    ['-1s', -1000],
    ['2us', 0.002],
  ])('%p parses to %p ms', (text, ms) => {
    expect(parseGoDuration(text)).toBeCloseTo(ms, 9);
  });

  test.each(['', '1', '1d', 'abc', '1m x', '--1s'])('%p is not a duration', (text) => {
    expect(parseGoDuration(text)).toBeUndefined();
  });
});

describe('byte sizes and times', () => {
  test.each([
    [0, '0B'],
    [1023, '1023B'],
    [1024, '1KiB'],
    [100 * 1024 ** 3, '100GiB'],
    [95.5 * 1024 ** 3, '95.5GiB'],
    [312.5 * 1024 ** 2, '312.5MiB'],
    [1234.5678 * 1024 ** 2, '1.206GiB'],
  ])('%p bytes is %p', (bytes, text) => {
    expect(formatByteSize(bytes)).toBe(text);
  });

  test('times are RFC 3339 in UTC with the fraction trimmed', () => {
    expect(formatGoTime(Date.UTC(2024, 11, 11, 7, 33, 20))).toBe('2024-12-11T07:33:20Z');
    expect(formatGoTime(Date.UTC(2024, 11, 11, 7, 35, 23, 450))).toBe('2024-12-11T07:35:23.45Z');
  });
});
