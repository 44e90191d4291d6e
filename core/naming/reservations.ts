// The "allocated but not yet observed" part of the taken names. After creating instance `kv-3`, the next
// reconcile may run on a cache that does not show `kv-3` yet; without a reservation it would allocate (and
// create) `kv-3` again or, worse, plan one more instance. Reservations live in memory only: after a restart
// the caches are fresh, so nothing is lost.

import type { Clock } from '../runtime/clock.ts';

export interface Reservation<T> {
  name: string;
  /** Whatever the caller needs to treat the name as a pending instance (for example its topology). */
  value: T | undefined;
  /** Clock time after which the reservation no longer counts. */
  expiresAt: number;
}

/**
 * 2 minutes: far longer than a watch event takes to arrive, short enough that a reservation left behind by a
 * create that failed without the caller noticing does not hold a name for long.
 */
export const defaultReservationTtlMs = 2 * 60_000;

/** Names recently allocated per scope (for example `namespace/group`) and not yet seen in the cache. */
export class NameReservations<T = undefined> {
  private readonly scopes = new Map<string, Map<string, Reservation<T>>>();

  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    private readonly ttlMs = defaultReservationTtlMs,
  ) {}

  /** Holds `name` in `scope` until it is observed, released, or the time to live passes. */
  reserve(scope: string, name: string, value?: T): void {
    let names = this.scopes.get(scope);
    if (!names) {
      names = new Map();
      this.scopes.set(scope, names);
    }
    names.set(name, { name, value, expiresAt: this.clock.now() + this.ttlMs });
  }

  /** Gives `name` up at once, for example when its create call failed. */
  release(scope: string, name: string): void {
    const names = this.scopes.get(scope);
    names?.delete(name);
    if (names?.size === 0) this.scopes.delete(scope);
  }

  /**
   * The reservations in `scope` that still count: neither expired nor among `observed` (the names the cache
   * shows now). Observed and expired ones are dropped for good, so a later deletion of the instance frees the
   * name through the normal path.
   */
  unobserved(scope: string, observed: ReadonlySet<string>): Reservation<T>[] {
    const names = this.scopes.get(scope);
    if (!names) return [];
    const now = this.clock.now();
    for (const [name, reservation] of names) {
      if (observed.has(name) || reservation.expiresAt <= now) names.delete(name);
    }
    if (names.size === 0) this.scopes.delete(scope);
    return [...names.values()];
  }
}
