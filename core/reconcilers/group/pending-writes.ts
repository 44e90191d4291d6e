// Our own writes the cache has not shown yet. The next reconcile of a group can start before the watch event of
// its last write arrives (another instance's event triggers it); on that stale view an instance just moved to the
// new revision still looks outdated and available, and the updater would take one more instance out of service
// than maxUnavailable allows. So every write to an instance remembers the resourceVersion it replaced; while
// the cache still shows that version, the group waits for the event instead of deciding (creations are covered
// by NameReservations). In memory only: after a restart the caches are fresh.
import type { Clock } from '../../runtime/clock.ts';

/** Long past any watch delay; a write whose event never comes (the object was deleted meanwhile) is forgotten. */
export const defaultPendingWriteTtlMs = 2 * 60_000;

interface PendingWrite {
  staleVersion: string;
  expiresAt: number;
}

export class PendingWrites {
  private readonly scopes = new Map<string, Map<string, PendingWrite>>();

  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    private readonly ttlMs = defaultPendingWriteTtlMs,
  ) {}

  /** Records that `name` in `scope` was written while it was at `staleVersion`. */
  wrote(scope: string, name: string, staleVersion: string | undefined): void {
    if (staleVersion === undefined) return;
    let names = this.scopes.get(scope);
    if (!names) {
      names = new Map();
      this.scopes.set(scope, names);
    }
    names.set(name, { staleVersion, expiresAt: this.clock.now() + this.ttlMs });
  }

  /**
   * The names whose cached copy (`observed`: name -> resourceVersion) is still the version a write replaced.
   * Writes the cache has caught up with (another version, or the object gone) and expired ones are dropped.
   */
  stale(scope: string, observed: ReadonlyMap<string, string | undefined>): string[] {
    const names = this.scopes.get(scope);
    if (!names) return [];
    const now = this.clock.now();
    const out: string[] = [];
    for (const [name, write] of names) {
      const version = observed.get(name);
      if (version === write.staleVersion && write.expiresAt > now) out.push(name);
      else names.delete(name);
    }
    if (names.size === 0) this.scopes.delete(scope);
    return out.sort();
  }

  /** Forgets every scope that starts with `prefix` (the group is gone, whichever incarnation of its name). */
  forget(prefix: string): void {
    for (const scope of [...this.scopes.keys()]) if (scope.startsWith(prefix)) this.scopes.delete(scope);
  }
}
