// The TiKV plugin: a TiKVGroup's stores as the core's instances. Everything about PD goes through the shared
// PD client factory and state sources, created once at the composition root and passed in:
//
//   const tikv = createTikvPlugin({ pdClients, pdStates });      // next to createPdPlugin({ pdClients, pdStates })
//
// - config (config.ts): the user's TOML plus addresses, data directory and `pd.endpoints = [Cluster.status.pd]`;
//   pending (no Pod yet, Synced=False reason ConfigPending) until the Cluster publishes PD's URL.
// - Pod (pod.ts): container `tikv`, ports client 20160 / status 20180, grace period 65535 on the Pod.
// - data plane (view.ts): the store PD lists at the instance's advertise address, from the PD state source's
//   snapshot; changes of a store wake its instance (the address names it). Health (health.ts): store Up, not
//   held by an evict-leader scheduler.
// - sync steps: `report store` (status.storeId, status.storeState), `sync store labels` (store-labels.ts).
// - restart (protocols/restart.ts): check no down peers elsewhere, evict leaders, wait for zero leaders; delete
//   with a grace period sized to the regions; after: remove the evict-leader scheduler.
// - scale-in (protocols/scale-in.ts), mode offline: evict leaders, wait for zero leaders, delete store in PD,
//   wait for tombstone, remove the evict-leader scheduler; cancel: cancel store removal; mayRemove: max-replicas.
// - failover (failover.ts): data-plane state from the store (Down is down), mode replace, only while PD answers
//   with a healthy quorum.
import { peerServiceName } from '../../core/api/names.ts';
import { type Logger, silentLogger } from '../../core/observability/log.ts';
import type {
  ComponentContext,
  ComponentPlugin,
  GroupObject,
  InstanceContext,
  RenderedConfig,
  RenderedPod,
} from '../../core/plugin/contract.ts';
import { type Clock, realClock } from '../../core/runtime/clock.ts';
import { complete, type TaskResult } from '../../core/tasks/result.ts';
import { type Task, task } from '../../core/tasks/task.ts';
import type { PdStateSources } from '../pd/client/data-plane-source.ts';
import type { PdClientFactory } from '../pd/client/pd-client.ts';
import { TIKV_COMPONENT, TIKV_DATA_DIRECTORY, tikvGroupKind, tikvKind, validateTiKVConfig } from './api.ts';
import {
  dataDirectoryOf,
  instanceOfStoreAddress,
  isAddressInSubdomain,
  renderTikvConfig,
  storeAddress,
  TIKV_CLIENT_PORT,
  TIKV_STATUS_PORT,
} from './config.ts';
import { tikvDataPlaneState, tikvFailover } from './failover.ts';
import { type HealthVerdict, storeHealth } from './health.ts';
import { PdAccess } from './pd-access.ts';
import { renderTikvPod } from './pod.ts';
import { storedCondition, type TikvContext } from './protocols/context.ts';
import { tikvRestartProtocol } from './protocols/restart.ts';
import { tikvScaleInProtocol } from './protocols/scale-in.ts';
import { desiredStoreLabels, storeLabelChanges } from './store-labels.ts';
import { isStoreAlive, type TikvView, tikvView } from './view.ts';

export interface TikvPluginOptions {
  /** Shared with the PD plugin: one client per PD URL, through the operator's AddressResolver. */
  pdClients: PdClientFactory;
  /** Shared with the PD plugin: one poller per PD cluster. */
  pdStates: PdStateSources;
  /** Ages the cached replication config. Default: the wall clock. */
  clock?: Clock;
  logger?: Logger;
  /**
   * Least grace period of a Pod deletion by the operator (default 30 s; more for stores with many regions).
   * Tests on kwok lower it: kwok keeps a deleted Pod for its whole grace period.
   */
  minGracePeriodSeconds?: number;
  /** The Pod's own terminationGracePeriodSeconds (default 65535, see pod.ts). */
  podGracePeriodSeconds?: number;
}

export const tikvSyncSteps = {
  reportStore: 'report store',
  syncStoreLabels: 'sync store labels',
} as const;

type TikvTemplateFields = {
  storeLabels?: Record<string, string> | undefined;
  resources?: { cpu?: string | number; memory?: string | number } | undefined;
};

export function createTikvPlugin(opts: TikvPluginOptions): ComponentPlugin<TikvView> {
  const pd = new PdAccess({
    clients: opts.pdClients,
    states: opts.pdStates,
    clock: opts.clock ?? realClock,
    logger: opts.logger ?? silentLogger(),
  });
  const namespaceOf = (ctx: { instance: { metadata: { namespace?: string } } }) =>
    ctx.instance.metadata.namespace ?? '';

  return {
    name: TIKV_COMPONENT,
    groupKind: tikvGroupKind,
    instanceKind: tikvKind,
    dependsOn: ['pd'],
    ports: [TIKV_CLIENT_PORT, TIKV_STATUS_PORT],
    dataDirectory: TIKV_DATA_DIRECTORY,
    // Store labels reach PD through its API and the timeout only steers the operator: no restart for either.
    hotReloadableFields: ['spec.storeLabels', 'spec.evictLeaderTimeout'],

    renderConfig(ctx: TikvContext): RenderedConfig {
      const spec = ctx.instance.spec;
      return renderTikvConfig({
        config: spec.config,
        instance: ctx.instance.metadata.name,
        subdomain: spec.subdomain,
        namespace: namespaceOf(ctx),
        dataDirectory: dataDirectoryOf(spec.volumes),
        pdUrl: ctx.cluster.status?.pd,
      });
    },

    validateTemplate(ctx: ComponentContext & { group: GroupObject }): string[] {
      const spec = ctx.group.spec.template.spec as { config?: string };
      const checked = validateTiKVConfig(spec.config ?? '');
      return checked.ok ? [] : checked.errors.map((e) => e.message);
    },

    renderPod(ctx: TikvContext): RenderedPod {
      const spec = ctx.instance.spec as typeof ctx.instance.spec & TikvTemplateFields;
      return renderTikvPod({
        version: spec.version,
        image: spec.image,
        resources: spec.resources,
        ...(opts.podGracePeriodSeconds !== undefined
          ? { terminationGracePeriodSeconds: opts.podGracePeriodSeconds }
          : {}),
      });
    },

    namesInUse(ctx: ComponentContext & { group: GroupObject }): string[] {
      const snapshot = ctx.cluster.status?.pd === undefined ? undefined : pd.snapshot(ctx.cluster);
      if (!snapshot) return [];
      const namespace = ctx.group.metadata.namespace ?? '';
      const subdomain = peerServiceName(ctx.group.metadata.name);
      return [...snapshot.stores.keys()]
        .filter((address) => isAddressInSubdomain(address, subdomain, namespace))
        .map((address) => instanceOfStoreAddress(address, namespace) as string);
    },

    loadDataPlane(ctx: InstanceContext<undefined>): TikvView {
      const pdUrl = ctx.cluster.status?.pd;
      const address = storeAddress(ctx.instance.metadata.name, ctx.instance.spec.subdomain, namespaceOf(ctx));
      if (pdUrl === undefined) return tikvView(undefined, undefined, address);
      // Keeps the replication config fresh for the group's scale-in guard, which cannot wait for PD.
      pd.cachedReplication(pdUrl);
      return tikvView(pd.snapshot(ctx.cluster), pdUrl, address);
    },

    health: (ctx: TikvContext) => storeHealth(ctx.dataPlane, lastHealth(ctx)),
    dataPlaneState: (ctx: TikvContext) => tikvDataPlaneState(ctx.dataPlane),
    failover: tikvFailover(pd),

    syncSteps: [reportStore(), syncStoreLabels(pd)],
    restart: tikvRestartProtocol(pd, {
      ...(opts.minGracePeriodSeconds !== undefined ? { minGracePeriodSeconds: opts.minGracePeriodSeconds } : {}),
    }),
    scaleIn: tikvScaleInProtocol(pd),
    // A store's address names its instance: `<instance>.<group>-peer.<ns>.svc:20160`.
    dataPlaneSource: pd.dataPlaneSource((changes) => [
      ...new Set(changes.stores.flatMap((address) => instanceOfStoreAddress(address) ?? [])),
    ]),
  };
}

/**
 * The health verdict the Ready condition records, when health decided it: True, or False for InstanceNotHealthy.
 * (False for a Pod that was not ready says nothing about the store.)
 */
function lastHealth(ctx: TikvContext): HealthVerdict | undefined {
  const ready = storedCondition(ctx, 'Ready');
  if (ready?.status === 'True') return { healthy: true, reason: ready.message };
  if (ready?.status === 'False' && ready.reason === 'InstanceNotHealthy')
    return { healthy: false, reason: ready.message };
  return undefined;
}

/** `report store`: the store's id and node state into the instance status (kubectl get tikv shows them). */
function reportStore(): Task<TikvContext> {
  return task(tikvSyncSteps.reportStore, (ctx): TaskResult => {
    const store = ctx.dataPlane.store;
    if (store) Object.assign(ctx.statusPatch, { storeId: store.id, storeState: store.nodeState });
    return complete();
  });
}

/** `sync store labels`: the labels PD should have for the store (store-labels.ts), set when they differ. */
function syncStoreLabels(pd: PdAccess): Task<TikvContext> {
  return task(tikvSyncSteps.syncStoreLabels, async (ctx): Promise<TaskResult> => {
    const { store, pdUrl } = ctx.dataPlane;
    if (!isStoreAlive(store) || pdUrl === undefined) return complete();
    const replication = await pd.replication(pdUrl);
    const spec = ctx.instance.spec as typeof ctx.instance.spec & TikvTemplateFields;
    const pod = ctx.pod as { spec?: { nodeName?: string } } | undefined;
    const changes = storeLabelChanges(
      desiredStoreLabels({
        locationLabels: replication.locationLabels,
        topology: spec.topology ?? {},
        nodeName: pod?.spec?.nodeName,
        storeLabels: spec.storeLabels,
      }),
      store.labels,
    );
    if (Object.keys(changes).length === 0) return complete();
    await pd.client(pdUrl).setStoreLabels(store.id, changes);
    return complete(
      `labels of store ${store.id}: ${Object.entries(changes)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}`,
    );
  });
}
