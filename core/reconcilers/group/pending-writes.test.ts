import { expect, test } from 'bun:test';
import { FakeClock } from '../../runtime/clock.ts';
import { PendingWrites } from './pending-writes.ts';

test('a cached copy still at the replaced version is stale', async () => {
  const writes = new PendingWrites(new FakeClock(0));
  writes.wrote('ns/g', 'g-1', '10');
  expect(writes.stale('ns/g', new Map([['g-1', '10']]))).toEqual(['g-1']);
});

test('a newer version in the cache settles the write for good', async () => {
  const writes = new PendingWrites(new FakeClock(0));
  writes.wrote('ns/g', 'g-1', '10');
  expect(writes.stale('ns/g', new Map([['g-1', '11']]))).toEqual([]);
  expect(writes.stale('ns/g', new Map([['g-1', '10']]))).toEqual([]);
});

test('an object gone from the cache settles the write (a delete was seen)', async () => {
  const writes = new PendingWrites(new FakeClock(0));
  writes.wrote('ns/g', 'g-1', '10');
  expect(writes.stale('ns/g', new Map())).toEqual([]);
});

test('a write whose event never comes is forgotten after the time to live', async () => {
  const clock = new FakeClock(0);
  const writes = new PendingWrites(clock, 1_000);
  writes.wrote('ns/g', 'g-1', '10');
  await clock.advance(999);
  expect(writes.stale('ns/g', new Map([['g-1', '10']]))).toEqual(['g-1']);
  await clock.advance(1);
  expect(writes.stale('ns/g', new Map([['g-1', '10']]))).toEqual([]);
});

test('scopes are separate, and forget drops the scopes under a prefix', async () => {
  const writes = new PendingWrites(new FakeClock(0));
  writes.wrote('ns/a/uid-1', 'x', '1');
  writes.wrote('ns/a/uid-2', 'x', '1');
  writes.wrote('ns/b/uid-3', 'x', '1');
  writes.forget('ns/a/');
  expect(writes.stale('ns/a/uid-1', new Map([['x', '1']]))).toEqual([]);
  expect(writes.stale('ns/a/uid-2', new Map([['x', '1']]))).toEqual([]);
  expect(writes.stale('ns/b/uid-3', new Map([['x', '1']]))).toEqual(['x']);
});

test('a write without a known version is not tracked', async () => {
  const writes = new PendingWrites(new FakeClock(0));
  writes.wrote('ns/g', 'g-1', undefined);
  expect(writes.stale('ns/g', new Map([['g-1', undefined]]))).toEqual([]);
});
