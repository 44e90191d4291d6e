// What the TiKV plugin's steps share: their context type and small readers of the instance.
import { parseDurationMs } from '../../../core/api/duration.ts';
import type { InstanceContext } from '../../../core/plugin/contract.ts';
import type { Condition } from '../../../core/tasks/conditions.ts';
import type { TikvView } from '../view.ts';

export type TikvContext = InstanceContext<TikvView>;

/** The template's default (api.ts): how long leaders may take to leave a store. */
export const DEFAULT_EVICT_LEADER_TIMEOUT_MS = 5 * 60_000;

export function evictLeaderTimeoutMs(ctx: TikvContext): number {
  const raw = (ctx.instance.spec as { evictLeaderTimeout?: unknown }).evictLeaderTimeout;
  const ms = typeof raw === 'string' ? parseDurationMs(raw) : undefined;
  return ms ?? DEFAULT_EVICT_LEADER_TIMEOUT_MS;
}

/** A condition as the last status write left it (what this reconcile sets is not visible here). */
export function storedCondition(ctx: TikvContext, type: string): Condition | undefined {
  const conditions = (ctx.instance.status as { conditions?: unknown } | undefined)?.conditions;
  return Array.isArray(conditions) ? (conditions as Condition[]).find((c) => c.type === type) : undefined;
}

export function isInstanceDeleting(ctx: TikvContext): boolean {
  return ctx.instance.metadata.deletionTimestamp !== undefined;
}

/** Cluster.status.pd, checked: the steps that talk to PD run only once the store exists, so it is set. */
export function pdUrlOf(ctx: TikvContext): string {
  const url = ctx.dataPlane.pdUrl;
  if (url === undefined) throw new Error("the Cluster has not published PD's URL (status.pd)");
  return url;
}
