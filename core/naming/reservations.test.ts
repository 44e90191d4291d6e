import { describe, expect, test } from 'bun:test';
import { FakeClock } from '../runtime/clock.ts';
import { NameReservations } from './reservations.ts';

const none = new Set<string>();

describe('NameReservations', () => {
  test('a reserved name counts until the cache shows it', () => {
    const reservations = new NameReservations(new FakeClock());
    reservations.reserve('ns/kv', 'kv-3');
    expect(reservations.unobserved('ns/kv', none).map((r) => r.name)).toEqual(['kv-3']);
    expect(reservations.unobserved('ns/kv', new Set(['kv-3']))).toEqual([]);
  });

  test('once observed, the reservation is gone even if the cache later loses the name', () => {
    const reservations = new NameReservations(new FakeClock());
    reservations.reserve('ns/kv', 'kv-3');
    reservations.unobserved('ns/kv', new Set(['kv-3']));
    expect(reservations.unobserved('ns/kv', none)).toEqual([]);
  });

  test('a reservation expires after its time to live', async () => {
    const clock = new FakeClock();
    const reservations = new NameReservations(clock, 1000);
    reservations.reserve('ns/kv', 'kv-3');
    await clock.advance(999);
    expect(reservations.unobserved('ns/kv', none)).toHaveLength(1);
    await clock.advance(1);
    expect(reservations.unobserved('ns/kv', none)).toEqual([]);
  });

  test('release gives a name up at once', () => {
    const reservations = new NameReservations(new FakeClock());
    reservations.reserve('ns/kv', 'kv-3');
    reservations.release('ns/kv', 'kv-3');
    expect(reservations.unobserved('ns/kv', none)).toEqual([]);
  });

  test('scopes are independent', () => {
    const reservations = new NameReservations(new FakeClock());
    reservations.reserve('a/kv', 'kv-0');
    expect(reservations.unobserved('b/kv', none)).toEqual([]);
    expect(reservations.unobserved('a/kv', none).map((r) => r.name)).toEqual(['kv-0']);
  });

  test('keeps the value given at reservation, for use as a pending instance', async () => {
    const clock = new FakeClock();
    const reservations = new NameReservations<{ zone: string }>(clock, 5000);
    reservations.reserve('ns/kv', 'kv-1', { zone: 'a' });
    expect(reservations.unobserved('ns/kv', none)).toEqual([
      { name: 'kv-1', value: { zone: 'a' }, expiresAt: clock.now() + 5000 },
    ]);
  });

  test('reserving again renews the time to live', async () => {
    const clock = new FakeClock();
    const reservations = new NameReservations(clock, 1000);
    reservations.reserve('ns/kv', 'kv-1');
    await clock.advance(800);
    reservations.reserve('ns/kv', 'kv-1');
    await clock.advance(800);
    expect(reservations.unobserved('ns/kv', none)).toHaveLength(1);
  });
});
