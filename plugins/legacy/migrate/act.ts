// Carrying out one planned action: writes to the apiserver (the new objects, the legacy StatefulSets and PVCs,
// the TikvCluster's status) and to PD (leadership, evict-leader scheduler, store and member deletion). Each is
// idempotent or guarded, so that a repeat after a crash does no harm: creation tolerates AlreadyExists, a
// StatefulSet is only lowered from the replicas the planner saw, PD's deletions answer "already done" quietly.

import { clusterKind } from '../../../core/api/cluster.ts';
import type { KubeClient } from '../../../core/kube/client.ts';
import { isAlreadyExists, isConflict, isNotFound } from '../../../core/kube/errors.ts';
import type { KubeObject, ResourceKind } from '../../../core/kube/object.ts';
import { kinds } from '../../../core/kube/object.ts';
import { pdGroupKind } from '../../pd/api.ts';
import { isNoStoreForLeader, isTooFewStores } from '../../pd/client/errors.ts';
import { tikvGroupKind } from '../../tikv/api.ts';
import { type MigrationDeps, migrationKinds, pdUrlsToTry } from './observe.ts';
import type { MigrationAction } from './plan.ts';
import type { ObservedState } from './state.ts';

/** What an action did, for the progress output; `retryAfterMs` when PD refused for now. */
export interface ActionOutcome {
  message: string;
  retryAfterMs?: number;
}

const kindsByName: Record<string, ResourceKind> = {
  [clusterKind.resource.kind]: clusterKind.resource,
  [pdGroupKind.resource.kind]: pdGroupKind.resource,
  [tikvGroupKind.resource.kind]: tikvGroupKind.resource,
};

const PD_REFUSAL_RETRY_MS = 5_000;

export async function carryOut(
  deps: MigrationDeps,
  state: ObservedState,
  action: MigrationAction,
  evictionStartedAt: Map<string, number>,
): Promise<ActionOutcome> {
  const { kube } = deps;
  const { namespace } = state.target;
  const pd = () => {
    const url = 'snapshot' in state.pd ? state.pd.url : (pdUrlsToTry(deps, state.target, state.cluster)[0] ?? '');
    return deps.pdClients.get(url);
  };
  switch (action.kind) {
    case 'done':
    case 'refuse':
    case 'wait':
      return { message: '' };
    case 'create': {
      const created: string[] = [];
      for (const obj of action.objects) {
        const kind = kindsByName[obj.kind];
        if (!kind) throw new Error(`no resource known for kind ${obj.kind}`);
        try {
          await kube.create(kind, obj as KubeObject);
          created.push(`${obj.kind} ${obj.metadata.name}`);
        } catch (error) {
          if (!isAlreadyExists(error)) throw error;
        }
      }
      return { message: created.length > 0 ? `created ${created.join(', ')}` : 'already created' };
    }
    case 'transferPdLeader':
      await pd().transferLeader(action.to);
      return { message: `PD leadership moves to ${action.to}` };
    case 'evictLeaders':
      await pd().addEvictLeaderScheduler(action.storeId);
      if (!evictionStartedAt.has(action.storeId)) evictionStartedAt.set(action.storeId, deps.clock.now());
      return { message: `PD evicts the leaders of store ${action.storeId}` };
    case 'deleteStore': {
      try {
        const outcome = await pd().deleteStore(action.storeId);
        return { message: `store ${action.storeId}: ${outcome}` };
      } catch (error) {
        if (!isTooFewStores(error) && !isNoStoreForLeader(error)) throw error;
        return {
          message: `PD refuses to remove store ${action.storeId} for now: ${(error as Error).message}`,
          retryAfterMs: PD_REFUSAL_RETRY_MS,
        };
      }
    }
    case 'removeEvictLeaderScheduler':
      await pd().removeEvictLeaderScheduler(action.storeId);
      evictionStartedAt.delete(action.storeId);
      return { message: `store ${action.storeId} left the evict-leader scheduler` };
    case 'scaleStatefulSet':
      return scaleStatefulSet(kube, namespace, action);
    case 'deletePdMember': {
      const deleted = await pd().deleteMemberByName(action.name);
      return { message: deleted ? `member ${action.name} deleted from PD` : `PD no longer knows ${action.name}` };
    }
    case 'deleteStatefulSet':
      try {
        await kube.delete(migrationKinds.StatefulSet, action.name, namespace, { propagationPolicy: 'Background' });
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      return { message: `StatefulSet ${action.name} deleted` };
    case 'deleteClaims':
      for (const name of action.names) {
        try {
          await kube.delete(kinds.PersistentVolumeClaim, name, namespace);
        } catch (error) {
          if (!isNotFound(error)) throw error;
        }
      }
      return { message: `PVCs ${action.names.join(', ')} deleted` };
    case 'markConverted':
      // The corrected legacy CRD has no status subresource (the legacy operator wrote its status with a plain
      // update), so the status is patched on the object itself.
      await kube.mergePatch(migrationKinds.TikvCluster, state.target.legacyName, namespace, {
        status: {
          converted: true,
          convertedAt: new Date(deps.clock.now()).toISOString(),
          convertedTo: action.convertedTo,
        },
      });
      return { message: `TikvCluster ${state.target.legacyName} marked converted` };
  }
}

/**
 * Lowers the StatefulSet by one, only from the replicas the planner saw (a PUT with the resourceVersion read):
 * the StatefulSet controller then deletes exactly the Pod of the highest ordinal, the one the planner cleared.
 */
async function scaleStatefulSet(
  kube: KubeClient,
  namespace: string,
  action: Extract<MigrationAction, { kind: 'scaleStatefulSet' }>,
): Promise<ActionOutcome> {
  const current = await kube.get<KubeObject & { spec?: { replicas?: number } }>(
    migrationKinds.StatefulSet,
    action.name,
    namespace,
  );
  const replicas = current.spec?.replicas ?? 1;
  if (replicas !== action.from) {
    return { message: `StatefulSet ${action.name} has ${replicas} replicas now, not ${action.from}: looking again` };
  }
  try {
    await kube.replace(migrationKinds.StatefulSet, { ...current, spec: { ...current.spec, replicas: action.to } });
  } catch (error) {
    if (isConflict(error)) return { message: `StatefulSet ${action.name} changed meanwhile: looking again` };
    throw error;
  }
  return { message: `StatefulSet ${action.name} lowered to ${action.to}` };
}
