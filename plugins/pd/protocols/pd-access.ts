// What the PD protocol steps share: the cluster's PD client and state source (both built once at the
// composition root and shared with the TiKV plugin), and the current view of this instance's member. Steps read
// the view again instead of the one loaded at the start of the reconcile: an earlier step may have written to PD
// (a transfer, a deletion), and the state source re-reads PD right after every write.
import type { Cluster } from '../../../core/api/cluster.ts';
import type { EventType } from '../../../core/observability/events.ts';
import type { InstanceContext } from '../../../core/plugin/contract.ts';
import type { PdStateSources } from '../client/data-plane-source.ts';
import type { PdClient, PdClientFactory } from '../client/pd-client.ts';
import type { PdStateSource } from '../client/state-source.ts';
import { type PdView, pdView } from '../health.ts';

export interface PdAccess {
  pdClients: PdClientFactory;
  pdStates: PdStateSources;
}

export type PdContext = InstanceContext<PdView>;

/** How long the state source polls fast after a protocol step acted or waits on PD. */
export const BUSY_MS = 30_000;

/** The cluster's PD client; undefined while the Cluster publishes no PD URL. */
export function pdClientOf(access: PdAccess, cluster: Cluster): PdClient | undefined {
  const url = cluster.status?.pd;
  return url ? access.pdClients.get(url) : undefined;
}

/** The cluster's running state source, if the controllers watch it. */
export function pdSourceOf(access: PdAccess, cluster: Cluster): PdStateSource | undefined {
  return access.pdStates.sourceOf(cluster);
}

/** The member's view now. */
export function currentView(access: PdAccess, ctx: PdContext): PdView {
  return pdView(pdSourceOf(access, ctx.cluster)?.snapshot() ?? ctx.dataPlane.snapshot, ctx.instance.metadata.name);
}

/** An event about the instance. */
export function recordEvent(ctx: PdContext, type: EventType, reason: string, action: string, note: string): void {
  const { instance } = ctx;
  ctx.events.record(
    { apiVersion: instance.apiVersion, kind: instance.kind, metadata: instance.metadata },
    type,
    reason,
    action,
    note,
  );
}
