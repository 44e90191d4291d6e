// What one reconcile of a TiKV instance knows of PD: its store (found by advertise address) and every other store,
// read from the shared PD state source's snapshot (plugins/pd/client), never from a blocking call. Steps that
// write to PD update the view in place, so later steps of the same reconcile see what they did.
import type { MissPeerRegion } from '../pd/client/responses.ts';
import type { PdSnapshot, StoreView } from '../pd/client/snapshot.ts';

export interface TikvView {
  /** `Cluster.status.pd`; undefined until the Cluster publishes it. */
  pdUrl: string | undefined;
  /** The instance's store address in PD (`server.advertise-addr`). */
  address: string;
  /** PD's stores, members and schedulers have all been read at least once. */
  synced: boolean;
  /** The last poll of PD failed in part: what is shown is from earlier polls. */
  stale: boolean;
  /** Clock time of the last poll that read every part of PD. */
  fetchedAt: number | undefined;
  /** This instance's store (Tombstone included: a live store at the same address wins). */
  store: StoreView | undefined;
  /** Every store PD lists, by address, as PD showed them (steps of this reconcile change only `store`). */
  stores: ReadonlyMap<string, StoreView>;
  /** Regions PD is still adding replicas to, with the stores of the replicas they have. */
  missPeerRegions: readonly MissPeerRegion[];
}

export function tikvView(snapshot: PdSnapshot | undefined, pdUrl: string | undefined, address: string): TikvView {
  if (!snapshot || pdUrl === undefined) {
    return {
      pdUrl,
      address,
      synced: false,
      stale: false,
      fetchedAt: undefined,
      store: undefined,
      stores: new Map(),
      missPeerRegions: [],
    };
  }
  const store = snapshot.stores.get(address);
  return {
    pdUrl,
    address,
    synced: snapshot.synced,
    stale: snapshot.stale,
    fetchedAt: snapshot.fetchedAt,
    store: store ? { ...store } : undefined,
    stores: snapshot.stores,
    missPeerRegions: snapshot.missPeerRegions,
  };
}

/**
 * The TiKV process heartbeats and PD counts the store in service: Up and neither Disconnected (no heartbeat for
 * 20 s) nor Down. Offline (being removed) and Tombstone stores are not.
 */
export function isStoreAlive(store: StoreView | undefined): store is StoreView {
  return (
    store !== undefined && store.state === 'Up' && store.stateName !== 'Disconnected' && store.stateName !== 'Down'
  );
}

export function describeStore(store: StoreView): string {
  const state = store.state === 'Up' ? store.stateName : `${store.stateName} (${store.nodeState})`;
  return `store ${store.id} (${state})`;
}
