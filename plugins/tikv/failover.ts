// TiKV's part of failover (core/failover, docs/operations.md "Failover"): what PD says about a store, in the
// core's terms, and when a failover may happen at all. The mode is `replace`: a store Down longer than the group's
// period gets a replacement instance (a new store; PD re-replicates the Down store's regions onto the others and
// the new one), and the failed instance is kept, since its data may come back; once it is Up again the group's
// normal scale-in (delete store in PD, wait for tombstone) removes the instance one too many.
//
//   PD's view            data-plane state
//   not read / stale     unknown   (PD without quorum answers nothing: nothing is concluded)
//   no store yet         disconnected (a new store registers when its TiKV starts)
//   Up                   up
//   Disconnected         disconnected (no heartbeat for 20 s: a restart, a blip)
//   Down                 down      (no heartbeat for longer than PD's max-store-down-time, default 30 m)
//   Offline              up        (being removed on purpose: not a failure)
//   Tombstone            down      (removed from PD while its instance still serves: it never comes back)
//
// Never fail over while PD cannot be trusted: it must answer (a fresh view) with a healthy quorum of members and a
// leader. That is the guard against v1's failover storms (a PD crash-looping made every store look down).
import type { DataPlaneState, FailoverProtocol } from '../../core/plugin/contract.ts';
import type { PdSnapshot } from '../pd/client/snapshot.ts';
import type { PdAccess } from './pd-access.ts';
import type { TikvView } from './view.ts';

export function tikvDataPlaneState(view: TikvView): DataPlaneState {
  if (view.pdUrl === undefined) return { state: 'unknown', message: "the Cluster has not published PD's URL yet" };
  if (!view.synced) return { state: 'unknown', message: "PD's stores have not been read yet" };
  if (view.stale) return { state: 'unknown', message: 'PD does not answer: the state of the store is not known' };
  const store = view.store;
  if (!store) return { state: 'disconnected', message: `PD has no store at ${view.address} yet` };
  if (store.state === 'Tombstone') return { state: 'down', message: `store ${store.id} is Tombstone: removed from PD` };
  if (store.state === 'Offline') return { state: 'up', message: `store ${store.id} is being removed (Offline)` };
  if (store.stateName === 'Down') {
    return { state: 'down', message: `store ${store.id} is Down: no heartbeat for longer than max-store-down-time` };
  }
  if (store.stateName === 'Disconnected') {
    return { state: 'disconnected', message: `store ${store.id} is Disconnected: no heartbeat for 20 s` };
  }
  return { state: 'up', message: `store ${store.id} is Up` };
}

/** PD may be trusted for a failover: it answers, and a healthy quorum of its members has a leader. */
export function mayFailoverStores(snapshot: PdSnapshot | undefined): { ok: true } | { ok: false; reason: string } {
  if (!snapshot?.synced) return { ok: false, reason: "PD's state has not been read yet" };
  if (snapshot.stale) return { ok: false, reason: `PD does not answer (${snapshot.error ?? 'no answer'})` };
  const members = [...snapshot.members.values()];
  const healthy = members.filter((m) => m.health).length;
  const quorum = Math.floor(members.length / 2) + 1;
  if (healthy < quorum) {
    return { ok: false, reason: `PD has ${healthy} healthy of ${members.length} members; a quorum needs ${quorum}` };
  }
  if (snapshot.leader === undefined) return { ok: false, reason: 'PD has no leader' };
  return { ok: true };
}

export function tikvFailover(pd: PdAccess): FailoverProtocol<TikvView> {
  return {
    mode: 'replace',
    mayFailover: (ctx) =>
      mayFailoverStores(ctx.cluster.status?.pd === undefined ? undefined : pd.snapshot(ctx.cluster)),
  };
}
