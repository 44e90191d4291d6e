// Test helpers of the TiKV plugin's unit tests: store views and TiKV views built from a few fields, and the plugin
// wired to a simulated PD cluster (the real PD client and state source over loopback HTTP).
import type { Cluster } from '../../core/api/cluster.ts';
import type { EventType } from '../../core/observability/events.ts';
import { silentLogger } from '../../core/observability/log.ts';
import type { ComponentPlugin, InstanceObject } from '../../core/plugin/contract.ts';
import { FakeClock } from '../../core/runtime/clock.ts';
import { type Condition, removeCondition, setCondition } from '../../core/tasks/conditions.ts';
import type { TaskResult } from '../../core/tasks/result.ts';
import { runTasks } from '../../core/tasks/runner.ts';
import type { Task } from '../../core/tasks/task.ts';
import { PdStateSources } from '../pd/client/data-plane-source.ts';
import { PdClientFactory } from '../pd/client/pd-client.ts';
import type { StoreView } from '../pd/client/snapshot.ts';
import { type ServedPd, servePd, TEST_PD_URL } from '../pd/client/testing.ts';
import type { TestClusterOptions } from '../pd/simulator/model/testing.ts';
import { createTikvPlugin } from './plugin.ts';
import type { TikvContext } from './protocols/context.ts';
import type { TikvView } from './view.ts';

export const ADDRESS = 'basic-tikv-0.basic-tikv-peer.ns.svc:20160';

export function storeView(over: Partial<StoreView> = {}): StoreView {
  return {
    id: '1',
    address: ADDRESS,
    state: 'Up',
    stateName: 'Up',
    nodeState: 'Serving',
    leaderCount: 10,
    regionCount: 30,
    labels: {},
    physicallyDestroyed: false,
    evicting: false,
    downPeers: 0,
    missPeers: 0,
    ...over,
  };
}

/** A synced view of `store` at ADDRESS plus `others` (each at its own address). */
export function viewOf(store: StoreView | undefined, others: StoreView[] = [], over: Partial<TikvView> = {}): TikvView {
  const stores = new Map<string, StoreView>();
  for (const s of others) stores.set(s.address, s);
  if (store) stores.set(store.address, store);
  return {
    pdUrl: 'http://basic-pd.ns.svc:2379',
    address: store?.address ?? ADDRESS,
    synced: true,
    stale: false,
    fetchedAt: 1_000,
    // A copy, as tikvView makes: steps change the instance's store, never what PD showed.
    store: store ? { ...store } : undefined,
    stores,
    missPeerRegions: [],
    ...over,
  };
}

// ---- a TiKV plugin against a simulated PD cluster -------------------------------------------------------------

/** A TiKV plugin wired to a simulated PD cluster on loopback, and contexts for its instances. */
export interface TikvHarness {
  pd: ServedPd;
  plugin: ComponentPlugin<TikvView>;
  clock: FakeClock;
  cluster: Cluster;
  /** Every write the plugin sent to PD (client method names), in order. */
  writes: string[];
  /** Re-reads PD into the shared state source (what its next poll would do). */
  refresh(): Promise<void>;
  /** A reconcile context for instance `basic-tikv-<i>` with its data plane loaded now. */
  context(i: number, over?: ContextOptions): HarnessContext;
  /** Runs steps like the instance reconciler runs a list (stops at the first step that does not complete). */
  run(ctx: HarnessContext, steps: readonly Task<TikvContext>[]): Promise<TaskResult>;
  stop(): Promise<void>;
}

export interface ContextOptions {
  spec?: Record<string, unknown>;
  conditions?: Condition[];
  status?: Record<string, unknown>;
  pod?: Record<string, unknown> | undefined;
  deleting?: boolean;
}

export interface HarnessContext extends TikvContext {
  conditionsNow: Condition[];
  recorded: { type: EventType; reason: string; note: string }[];
}

export async function tikvHarness(opts: TestClusterOptions = {}): Promise<TikvHarness> {
  const pd = servePd(opts);
  const clock = new FakeClock();
  const clients = new PdClientFactory({ resolver: pd.resolver, clock, retry: { attempts: 1 } });
  const states = new PdStateSources({ clients, clock });
  const lease = states.acquire(TEST_PD_URL);
  const writes: string[] = [];
  clients.get(TEST_PD_URL).onWrite((w) => writes.push(w.operation));
  const plugin = createTikvPlugin({ pdClients: clients, pdStates: states, clock });
  const cluster = {
    apiVersion: 'core.tikv.org/v1alpha1',
    kind: 'Cluster',
    metadata: { name: 'basic', namespace: 'default' },
    spec: {},
    status: { pd: TEST_PD_URL },
  } as unknown as Cluster;
  const refresh = async () => {
    lease.source.refresh();
    await lease.source.whenIdle();
  };
  await refresh();
  const context = (i: number, over: ContextOptions = {}): HarnessContext => {
    const name = `basic-tikv-${i}`;
    const instance = {
      apiVersion: 'core.tikv.org/v1alpha1',
      kind: 'TiKV',
      metadata: {
        name,
        namespace: 'default',
        uid: `uid-${name}`,
        generation: 1,
        ...(over.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
      },
      spec: {
        cluster: { name: 'basic' },
        subdomain: 'basic-tikv-peer',
        topology: {},
        version: 'v8.5.0',
        configUpdateStrategy: 'Restart',
        volumes: [{ name: 'data', storage: '10Gi', mounts: [] }],
        evictLeaderTimeout: '5m',
        ...over.spec,
      },
      status: { conditions: over.conditions ?? [], ...over.status },
    } as unknown as InstanceObject;
    const ctx: HarnessContext = {
      cluster,
      groups: new Map(),
      clock,
      logger: silentLogger(),
      events: { record: (_obj, type, reason, _action, note) => ctx.recorded.push({ type, reason, note }) },
      instance,
      group: undefined,
      pod:
        'pod' in over
          ? (over.pod as HarnessContext['pod'])
          : ({ metadata: { name, uid: `pod-${name}` }, status: { phase: 'Running' } } as HarnessContext['pod']),
      peers: [instance],
      dataPlane: undefined as unknown as TikvView,
      statusPatch: {},
      conditionsNow: [...(over.conditions ?? [])],
      recorded: [],
      setCondition: (type, status, reason, message) => {
        ctx.conditionsNow = setCondition(ctx.conditionsNow, { type, status, reason, message }, clock.now());
      },
      removeCondition: (type) => {
        ctx.conditionsNow = removeCondition(ctx.conditionsNow, type);
      },
    };
    ctx.dataPlane = plugin.loadDataPlane({ ...ctx, dataPlane: undefined }) as TikvView;
    return ctx;
  };
  return {
    pd,
    plugin,
    clock,
    cluster,
    writes,
    refresh,
    context,
    run: async (ctx, steps) => (await runTasks(ctx, [...steps], { clock })).result,
    stop: async () => {
      lease.release();
      states.stop();
      await pd.stop();
    },
  };
}
