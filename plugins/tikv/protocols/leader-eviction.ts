// Leader eviction, shared by the restart and the scale-in protocols: PD's evict-leader scheduler moves every
// Raft leader off the store, so stopping it interrupts no reads or writes (DESIGN.md invariant 4).
//
//   evict leaders                      add the store to PD's evict-leader scheduler
//   wait for zero leaders              until PD counts no leader on it, or the group's evictLeaderTimeout passed
//                                      (then LeadersEvicted=False reason EvictionTimedOut, a Warning event, and
//                                      the protocol goes on: the wait is bounded)
//   remove the evict-leader scheduler  the store may lead again; the LeadersEvicted condition goes
//
// The condition LeadersEvicted is the eviction's record in the API: False/Evicting since the eviction started
// (its lastTransitionTime is when the timeout started, so it survives an operator restart), True/Evicted once no
// leader is left, False/EvictionTimedOut after the timeout; removed with the scheduler.

import { complete, retry, type TaskResult } from '../../../core/tasks/result.ts';
import { type Task, task } from '../../../core/tasks/task.ts';
import type { StoreView } from '../../pd/client/snapshot.ts';
import { tikvConditionTypes } from '../api.ts';
import type { PdAccess } from '../pd-access.ts';
import { isStoreAlive, type TikvView } from '../view.ts';
import { evictLeaderTimeoutMs, pdUrlOf, storedCondition, type TikvContext } from './context.ts';

export const evictionReasons = {
  Evicting: 'Evicting',
  Evicted: 'Evicted',
  EvictionTimedOut: 'EvictionTimedOut',
} as const;

export const evictionSteps = {
  evict: 'evict leaders',
  waitForZeroLeaders: 'wait for zero leaders',
  removeScheduler: 'remove the evict-leader scheduler',
} as const;

/** Whether the store's leaders should be evicted, or why not (nothing to move, nowhere to move it). */
export function evictionNeeded(view: TikvView): { evict: true; store: StoreView } | { evict: false; why: string } {
  const store = view.store;
  if (!store) return { evict: false, why: 'PD has no store for this instance: no leaders to move' };
  if (store.state !== 'Up') return { evict: false, why: `store ${store.id} is ${store.stateName}: PD moves its data` };
  if (store.stateName === 'Disconnected' || store.stateName === 'Down') {
    return { evict: false, why: `store ${store.id} is ${store.stateName}: its regions elect leaders elsewhere` };
  }
  // tikv-operator#4335: with one store there is nowhere to move leaders to, and waiting would only time out.
  const canLead = [...view.stores.values()].some((s) => s.id !== store.id && isStoreAlive(s) && !s.evicting);
  if (!canLead) return { evict: false, why: `no other Up store can take the leaders of store ${store.id}` };
  return { evict: true, store };
}

export type EvictionProgress =
  | { kind: 'evicted' }
  | { kind: 'timedOut'; waitedMs: number }
  | { kind: 'waiting'; remainingMs: number };

/** Where the wait for zero leaders stands; `leaderCount` is undefined while PD has not shown the eviction yet. */
export function evictionProgress(input: {
  leaderCount: number | undefined;
  startedAtMs: number;
  nowMs: number;
  timeoutMs: number;
}): EvictionProgress {
  if (input.leaderCount === 0) return { kind: 'evicted' };
  const waitedMs = Math.max(0, input.nowMs - input.startedAtMs);
  if (waitedMs >= input.timeoutMs) return { kind: 'timedOut', waitedMs };
  return { kind: 'waiting', remainingMs: input.timeoutMs - waitedMs };
}

/** `evict leaders`: adds the store to the evict-leader scheduler (again, if PD lost it: tidb-operator#5613). */
export function evictLeaders(pd: PdAccess): Task<TikvContext> {
  return task(evictionSteps.evict, async (ctx): Promise<TaskResult> => {
    const need = evictionNeeded(ctx.dataPlane);
    if (!need.evict) return complete(need.why);
    const { store } = need;
    if (store.evicting) return complete();
    await pd.client(pdUrlOf(ctx)).addEvictLeaderScheduler(store.id);
    store.evicting = true;
    pd.markBusy(ctx.cluster);
    return complete(`evicting the leaders of store ${store.id}`);
  });
}

/**
 * The store's leader count, if PD's last poll already showed the store in the evict-leader scheduler. A count read
 * before the scheduler existed can be zero by chance (leaders still arriving on a new store) and would let the Pod
 * go while it leads; the state source reads the scheduler list before the stores, so a poll showing the store
 * evicting has a count from after.
 */
export function leadersSinceEviction(view: TikvView): number | undefined {
  const shown = view.stores.get(view.address);
  return view.store && shown?.id === view.store.id && shown.evicting ? shown.leaderCount : undefined;
}

/** `wait for zero leaders`, bounded by the template's evictLeaderTimeout. */
export function waitForZeroLeaders(pd: PdAccess): Task<TikvContext> {
  return task(evictionSteps.waitForZeroLeaders, (ctx): TaskResult => {
    const store = ctx.dataPlane.store;
    // Nothing is being evicted (eviction was not needed): nothing to wait for.
    if (!isStoreAlive(store) || !store.evicting) return complete();
    const stored = storedCondition(ctx, tikvConditionTypes.LeadersEvicted);
    const now = ctx.clock.now();
    const since = stored?.status === 'False' ? Date.parse(stored.lastTransitionTime) : Number.NaN;
    const timeoutMs = evictLeaderTimeoutMs(ctx);
    const leaderCount = leadersSinceEviction(ctx.dataPlane);
    const progress = evictionProgress({
      leaderCount,
      startedAtMs: Number.isNaN(since) ? now : since,
      nowMs: now,
      timeoutMs,
    });
    switch (progress.kind) {
      case 'evicted':
        ctx.setCondition(
          tikvConditionTypes.LeadersEvicted,
          'True',
          evictionReasons.Evicted,
          `no leader is left on store ${store.id}`,
        );
        return complete();
      case 'timedOut': {
        const message = `${store.leaderCount} leaders were still on store ${store.id} when evictLeaderTimeout (${formatMs(timeoutMs)}) passed: going on without waiting longer`;
        ctx.setCondition(tikvConditionTypes.LeadersEvicted, 'False', evictionReasons.EvictionTimedOut, message);
        if (stored?.reason !== evictionReasons.EvictionTimedOut) {
          ctx.events.record(ctx.instance, 'Warning', evictionReasons.EvictionTimedOut, 'EvictLeaders', message);
        }
        return complete(message);
      }
      case 'waiting':
        ctx.setCondition(
          tikvConditionTypes.LeadersEvicted,
          'False',
          evictionReasons.Evicting,
          `evicting the leaders of store ${store.id} (at most ${formatMs(timeoutMs)})`,
        );
        pd.markBusy(ctx.cluster);
        // PD's state source reports the moment the count reaches zero; the retry is for the timeout.
        return retry(
          progress.remainingMs,
          leaderCount === undefined
            ? `waiting for PD to show store ${store.id} in the evict-leader scheduler`
            : `${leaderCount} leaders left on store ${store.id}`,
        );
    }
  });
}

/** `remove the evict-leader scheduler`: when the store has one; the LeadersEvicted condition goes with it. */
export function removeEvictLeaderScheduler(pd: PdAccess): Task<TikvContext> {
  return task(evictionSteps.removeScheduler, async (ctx): Promise<TaskResult> => {
    const store = ctx.dataPlane.store;
    ctx.removeCondition(tikvConditionTypes.LeadersEvicted);
    if (!store?.evicting) return complete();
    await pd.client(pdUrlOf(ctx)).removeEvictLeaderScheduler(store.id);
    store.evicting = false;
    return complete(`store ${store.id} may lead again`);
  });
}

function formatMs(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
