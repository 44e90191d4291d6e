import { describe, expect, test } from 'bun:test';
import { ReconnectBackoff } from './backoff.ts';

describe('ReconnectBackoff', () => {
  test('doubles from 500 ms to the 30 s cap', () => {
    const b = new ReconnectBackoff({}, () => 0.5);
    const delays = Array.from({ length: 9 }, () => b.failed(0));
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  test('jitter spreads each delay by at most 20 % either way and never beyond the cap', () => {
    expect(new ReconnectBackoff({}, () => 0).failed(0)).toBe(400);
    expect(new ReconnectBackoff({}, () => 1).failed(0)).toBe(600);
    const capped = new ReconnectBackoff({ maxMs: 1000 }, () => 1);
    expect([capped.failed(0), capped.failed(0), capped.failed(0)]).toEqual([600, 1000, 1000]);
  });

  test('a connection that stayed up for the reset period starts the sequence over', () => {
    const b = new ReconnectBackoff({ resetAfterMs: 60_000 }, () => 0.5);
    b.failed(0);
    b.failed(0);
    b.connected(1_000);
    expect(b.failed(30_000)).toBe(2000);
    b.connected(40_000);
    expect(b.failed(100_000)).toBe(500);
  });

  test('repeated connected() calls keep the start of the healthy stretch', () => {
    const b = new ReconnectBackoff({ resetAfterMs: 60_000 }, () => 0.5);
    b.failed(0);
    b.connected(0);
    b.connected(50_000);
    expect(b.failed(60_000)).toBe(500);
  });
});
