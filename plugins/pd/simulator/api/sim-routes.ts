// The simulator's own control API under /sim: not part of PD. Tests, the dev command and people poking at a
// simulated cluster use it to read the whole state and the safety record, to step time, and to play TiKV and
// PD processes by hand (start/stop a store, change a member's health) when no Pods drive the model.

import { Hono } from 'hono';
import * as v from 'valibot';
import { safetyMetricsText } from '../metrics.ts';
import { type PdClusterModel, regionAvailability } from '../model/cluster.ts';
import { encodePdJson, type PdJson } from '../pd-json.ts';

export interface SimulatedClusterIdentity {
  namespace: string;
  name: string;
}

function json(status: number, body: PdJson): Response {
  return new Response(encodePdJson(body), { status, headers: { 'Content-Type': 'application/json' } });
}

const StartStore = v.object({
  address: v.pipe(v.string(), v.minLength(1)),
  dataId: v.pipe(v.string(), v.minLength(1)),
  statusAddress: v.optional(v.string()),
  labels: v.optional(v.record(v.string(), v.string())),
});
const StopStore = v.object({ address: v.pipe(v.string(), v.minLength(1)) });
const DestroyData = v.object({ dataId: v.pipe(v.string(), v.minLength(1)) });
const MemberUp = v.object({
  name: v.pipe(v.string(), v.minLength(1)),
  clientUrls: v.array(v.string()),
  peerUrls: v.array(v.string()),
  dataId: v.pipe(v.string(), v.minLength(1)),
});
const MemberHealth = v.object({ name: v.pipe(v.string(), v.minLength(1)), healthy: v.boolean() });
const Tick = v.object({ count: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100_000))) });

async function body<S extends v.GenericSchema>(
  req: Request,
  schema: S,
): Promise<{ ok: true; value: v.InferOutput<S> } | { ok: false; response: Response }> {
  const text = await req.text();
  let raw: unknown;
  try {
    raw = text.trim() === '' ? {} : JSON.parse(text);
  } catch (e) {
    return { ok: false, response: json(400, { error: `invalid JSON: ${e instanceof Error ? e.message : e}` }) };
  }
  const parsed = v.safeParse(schema, raw);
  if (!parsed.success) return { ok: false, response: json(400, { error: v.summarize(parsed.issues) }) };
  return { ok: true, value: parsed.output };
}

export function stateJson(model: PdClusterModel, id: SimulatedClusterIdentity): PdJson {
  const regions = model.regions();
  const maxReplicas = model.replication().maxReplicas;
  return {
    namespace: id.namespace,
    name: id.name,
    cluster_id: model.clusterId,
    ticks: model.tickCount(),
    quorum: model.hasQuorum(),
    leader: model.leader()?.name ?? null,
    members: model.members().map((m) => ({ name: m.name, member_id: m.memberId, healthy: m.healthy })),
    stores: model.stores().map((s) => {
      const status = model.storeStatus(s.id);
      return {
        id: s.id,
        address: s.address,
        state_name: status.stateName,
        node_state: status.nodeState,
        running: s.running,
        data_id: s.dataId,
        data_destroyed: s.dataDestroyed,
        physically_destroyed: s.physicallyDestroyed,
        leader_count: status.leaderCount,
        region_count: status.regionCount,
        labels: Object.fromEntries(s.labels.map((l) => [l.key, l.value])),
      };
    }),
    regions: {
      count: regions.length,
      unavailable: regions.filter((r) => !regionAvailability(model, r).hasQuorum).length,
      under_replicated: regions.filter((r) => r.peers.length < maxReplicas).length,
      without_leader: regions.filter((r) => r.leaderPeerId === undefined).length,
    },
    evict_leader_stores: model.evictLeaderStores(),
    schedulers: model.schedulers(),
    pending_stores: model.pendingStores(),
    rejections: model.rejections().map((r) => ({ ...r })),
  };
}

export function simApi(model: PdClusterModel, id: SimulatedClusterIdentity): Hono {
  const app = new Hono();
  app.get('/sim/api/v1/state', () => json(200, stateJson(model, id)));
  app.get('/sim/api/v1/safety', () => json(200, { ...model.safety() } as unknown as PdJson));
  app.get(
    '/sim/metrics',
    () =>
      new Response(
        safetyMetricsText([{ namespace: id.namespace, cluster: id.name, counters: model.safety().counters }]),
        {
          headers: { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' },
        },
      ),
  );
  app.post('/sim/api/v1/tick', async (c) => {
    const b = await body(c.req.raw, Tick);
    if (!b.ok) return b.response;
    let last = model.tick();
    for (let i = 1; i < (b.value.count ?? 1); i++) last = model.tick();
    return json(200, { ...last, ticks: model.tickCount() });
  });
  app.post('/sim/api/v1/stores/start', async (c) => {
    const b = await body(c.req.raw, StartStore);
    if (!b.ok) return b.response;
    const result = model.startStore(b.value);
    if (result.status === 'pending' || result.status === 'rejected') return json(200, { ...result });
    return json(200, { status: result.status, id: result.store.id });
  });
  app.post('/sim/api/v1/stores/stop', async (c) => {
    const b = await body(c.req.raw, StopStore);
    if (!b.ok) return b.response;
    model.stopStore(b.value.address);
    return json(200, { stopped: b.value.address });
  });
  app.post('/sim/api/v1/data/destroy', async (c) => {
    const b = await body(c.req.raw, DestroyData);
    if (!b.ok) return b.response;
    return json(200, { stores: model.destroyData(b.value.dataId).map((s) => s.id) });
  });
  app.post('/sim/api/v1/members/up', async (c) => {
    const b = await body(c.req.raw, MemberUp);
    if (!b.ok) return b.response;
    const result = model.memberUp(b.value);
    return json(200, result.ok ? { ok: true, member_id: result.member.memberId, joined: result.joined } : result);
  });
  app.post('/sim/api/v1/members/health', async (c) => {
    const b = await body(c.req.raw, MemberHealth);
    if (!b.ok) return b.response;
    if (!model.setMemberHealth(b.value.name, b.value.healthy)) return json(404, { error: `no member ${b.value.name}` });
    return json(200, { name: b.value.name, healthy: b.value.healthy });
  });
  return app;
}
