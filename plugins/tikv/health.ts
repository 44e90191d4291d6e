// Whether a store serves, as PD sees it. The instance is Ready when its Pod is Ready and this says healthy; the
// group counts only Ready instances as available, so this also paces rolling restarts: the next store is not
// touched before this one is back Up with its evict-leader scheduler gone (its leaders can come back).
import type { TikvView } from './view.ts';

export interface HealthVerdict {
  healthy: boolean;
  reason: string;
}

/**
 * The store's health. `last` is the verdict the instance's Ready condition records: while PD's view is not read
 * yet (an operator that just started), it stands. Turning every store unready at an operator restart would make
 * the group see instances it must not touch as "unavailable, so free to update" (the updater takes unavailable
 * instances first), and restart a second store while one is already down.
 */
export function storeHealth(view: TikvView, last?: HealthVerdict): HealthVerdict {
  if (view.pdUrl === undefined) return { healthy: false, reason: "the Cluster has not published PD's URL yet" };
  if (!view.synced) return last ?? { healthy: false, reason: "PD's stores have not been read yet" };
  const store = view.store;
  if (!store) return { healthy: false, reason: `PD has no store at ${view.address} yet` };
  if (store.state === 'Tombstone') return { healthy: false, reason: `store ${store.id} is removed (Tombstone)` };
  if (store.state === 'Offline') return { healthy: false, reason: `store ${store.id} is being removed (Offline)` };
  if (store.stateName === 'Disconnected' || store.stateName === 'Down') {
    return { healthy: false, reason: `store ${store.id} is ${store.stateName}: PD gets no heartbeats from it` };
  }
  if (store.evicting) {
    return { healthy: false, reason: `store ${store.id} is Up, but an evict-leader scheduler keeps leaders away` };
  }
  return { healthy: true, reason: `store ${store.id} is Up` };
}
