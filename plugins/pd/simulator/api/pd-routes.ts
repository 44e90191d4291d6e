// PD's HTTP API (/pd/api/v1, /pd/api/v2/ready) over the model, with PD's paths, status codes and bodies:
// JSON with uint64 ids as bare digits, errors as JSON strings with PD's texts, 500 ErrNotBootstrapped on
// cluster routes before the first store, and failures while the PD members have no quorum. One app serves
// every member's URL of a simulated cluster (they all resolve to the same loopback port).

import { Hono } from 'hono';
import { PdError, type PdErrorCode, pdErrors } from '../errors.ts';
import { parseGoDuration } from '../go-format.ts';
import {
  EVICT_LEADER_SCHEDULER,
  type PdClusterModel,
  type ReplicationConfig,
  type ScheduleConfig,
} from '../model/cluster.ts';
import type { Region } from '../model/regions.ts';
import type { StoreRecord } from '../model/stores.ts';
import { encodePdJson, type PdJson } from '../pd-json.ts';
import {
  configJson,
  evictLeaderListJson,
  healthJson,
  leaderJson,
  membersJson,
  regionsJson,
  replicationJson,
  scheduleJson,
  storeInfoJson,
  storesJson,
} from './views.ts';

const JSON_CONTENT_TYPE = 'application/json; charset=UTF-8';

/** What Go's ServeMux and gorilla/mux answer for a path they do not know. */
export function muxNotFound(): Response {
  return new Response('404 page not found\n', {
    status: 404,
    headers: { 'Content-Type': 'text/plain; charset=utf-8' },
  });
}

export function pdResponse(status: number, body: PdJson): Response {
  return new Response(encodePdJson(body), { status, headers: { 'Content-Type': JSON_CONTENT_TYPE } });
}

/** A model error as PD's handler for this endpoint reports it: mapped codes, otherwise `fallback`. */
function failure(error: unknown, statuses: Partial<Record<PdErrorCode, number>>, fallback = 500): Response {
  if (!(error instanceof PdError)) throw error;
  return pdResponse(statuses[error.code] ?? fallback, error.message);
}

function attempt(fn: () => Response, statuses: Partial<Record<PdErrorCode, number>> = {}, fallback = 500): Response {
  try {
    return fn();
  } catch (e) {
    return failure(e, statuses, fallback);
  }
}

/** gorilla/mux `{id}` parsed as uint64, with Go's error text on failure. */
function parseStoreId(text: string): number | Response {
  if (!/^\d+$/.test(text)) return pdResponse(400, `strconv.ParseUint: parsing "${text}": invalid syntax`);
  return Number(text);
}

async function readJson(req: Request): Promise<{ ok: true; value: unknown } | { ok: false; response: Response }> {
  const text = await req.text();
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    const message = text.trim() === '' ? 'EOF' : e instanceof Error ? e.message : String(e);
    return { ok: false, response: pdResponse(400, message) };
  }
}

function hasQueryKey(url: string, key: string): boolean {
  return new URL(url).searchParams.has(key);
}

/** `json:",string"` booleans accept only the quoted forms. */
function stringBool(key: string, value: unknown): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw pdErrors.invalidInput(
    `json: invalid use of ,string struct tag, trying to unmarshal ${JSON.stringify(value)} into bool (${key})`,
  );
}

function replicationPatch(input: Record<string, unknown>): Partial<ReplicationConfig> {
  const patch: Partial<ReplicationConfig> = {};
  for (const [key, value] of Object.entries(input)) {
    switch (key) {
      case 'max-replicas':
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
          throw pdErrors.invalidInput(
            `json: cannot unmarshal ${JSON.stringify(value)} into Go struct field .max-replicas of type uint64`,
          );
        }
        patch.maxReplicas = value;
        break;
      case 'location-labels':
        if (typeof value !== 'string') {
          throw pdErrors.invalidInput(
            `json: cannot unmarshal ${JSON.stringify(value)} into location-labels (a comma-separated string)`,
          );
        }
        patch.locationLabels = value === '' ? [] : value.split(',');
        break;
      case 'strictly-match-label':
        patch.strictlyMatchLabel = stringBool(key, value);
        break;
      case 'enable-placement-rules':
        patch.enablePlacementRules = stringBool(key, value);
        break;
      case 'enable-placement-rules-cache':
        patch.enablePlacementRulesCache = stringBool(key, value);
        break;
      case 'isolation-level':
        if (typeof value !== 'string') throw pdErrors.invalidInput('json: isolation-level must be a string');
        patch.isolationLevel = value;
        break;
      default:
        // encoding/json ignores unknown fields.
        break;
    }
  }
  return patch;
}

const SCHEDULE_DURATIONS: Record<string, keyof ScheduleConfig> = {
  'max-store-down-time': 'maxStoreDownTimeMs',
  'max-store-preparing-time': 'maxStorePreparingTimeMs',
};
const SCHEDULE_NUMBERS: Record<string, keyof ScheduleConfig> = {
  'leader-schedule-limit': 'leaderScheduleLimit',
  'region-schedule-limit': 'regionScheduleLimit',
  'replica-schedule-limit': 'replicaScheduleLimit',
  'max-snapshot-count': 'maxSnapshotCount',
  'max-pending-peer-count': 'maxPendingPeerCount',
};
const REPLICATION_KEYS = new Set([
  'max-replicas',
  'location-labels',
  'strictly-match-label',
  'enable-placement-rules',
  'enable-placement-rules-cache',
  'isolation-level',
]);

/** POST /config: `section.key` or a bare key that PD finds in its config struct. */
function applyConfigItem(model: PdClusterModel, key: string, value: unknown): void {
  const parts = key.split('.');
  let section: string;
  let item: string;
  if (parts.length > 1) {
    section = parts[0] as string;
    item = parts[parts.length - 1] as string;
  } else if (key in SCHEDULE_DURATIONS || key in SCHEDULE_NUMBERS) {
    section = 'schedule';
    item = key;
  } else if (REPLICATION_KEYS.has(key)) {
    section = 'replication';
    item = key;
  } else {
    throw pdErrors.invalidInput(`config item ${key} not found`);
  }
  if (section === 'replication') {
    if (!REPLICATION_KEYS.has(item)) throw pdErrors.invalidInput(`config item ${item} not found`);
    model.updateReplication(replicationPatch({ [item]: value }));
    return;
  }
  if (section !== 'schedule') throw pdErrors.invalidInput(`config prefix ${section} not found`);
  const durationField = SCHEDULE_DURATIONS[item];
  const numberField = SCHEDULE_NUMBERS[item];
  if (durationField) {
    const ms = typeof value === 'string' ? parseGoDuration(value) : undefined;
    if (ms === undefined) throw pdErrors.invalidInput(`time: invalid duration ${JSON.stringify(value)}`);
    model.updateSchedule({ [durationField]: ms });
  } else if (numberField) {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      throw pdErrors.invalidInput(`json: cannot unmarshal ${JSON.stringify(value)} into ${item}`);
    }
    model.updateSchedule({ [numberField]: value });
  } else {
    throw pdErrors.invalidInput(`config item ${item} not found`);
  }
}

const STATE_NUMBERS = new Map<string, StoreRecord['state']>([
  ['0', 'Up'],
  ['1', 'Offline'],
  ['2', 'Tombstone'],
]);

export function pdApi(model: PdClusterModel): Hono {
  const app = new Hono();

  // A PD process must be serving to answer at all, and PD needs its etcd quorum (and a leader) for every API.
  app.use('/pd/*', async (c, next) => {
    if (!model.members().some((m) => m.healthy)) {
      return new Response('no PD member is serving (simulated connection failure)\n', { status: 503 });
    }
    if (!model.hasQuorum()) {
      if (c.req.path === '/pd/api/v2/ready') return new Response(null, { status: 500 });
      return pdResponse(500, pdErrors.redirectNoLeader().message);
    }
    await next();
  });

  const notBootstrapped = () =>
    model.isBootstrapped() ? undefined : pdResponse(500, pdErrors.notBootstrapped().message);

  // ---- members ----
  app.get('/pd/api/v1/ping', () => new Response(null, { status: 200 }));
  app.get('/pd/api/v1/health', () => pdResponse(200, healthJson(model)));
  app.get('/pd/api/v1/members', () => pdResponse(200, membersJson(model)));
  app.get('/pd/api/v1/leader', () => {
    const leader = model.leader();
    return pdResponse(200, leader ? leaderJson(leader) : null);
  });
  app.post('/pd/api/v1/leader/transfer/:name', (c) =>
    attempt(() => {
      model.transferLeader(c.req.param('name'));
      return pdResponse(200, 'The transfer command is submitted.');
    }),
  );
  app.post('/pd/api/v1/leader/resign', () =>
    attempt(() => {
      const leader = model.leader();
      const next = model.members().find((m) => m.healthy && m.name !== leader?.name);
      if (next) model.transferLeader(next.name);
      return pdResponse(200, 'The resign command is submitted.');
    }),
  );
  app.delete('/pd/api/v1/members/name/:name', (c) =>
    attempt(
      () => {
        const name = c.req.param('name');
        model.deleteMemberByName(name);
        return pdResponse(200, `removed, pd: ${name}`);
      },
      { ErrMemberNotFound: 404 },
    ),
  );
  app.delete('/pd/api/v1/members/id/:id', (c) => {
    const text = c.req.param('id');
    if (!/^\d+$/.test(text) || BigInt(text) >= 1n << 64n) {
      return pdResponse(400, `strconv.ParseUint: parsing "${text}": invalid syntax`);
    }
    return attempt(() => {
      model.deleteMemberById(BigInt(text));
      return pdResponse(200, `removed, pd: ${text}`);
    });
  });
  app.post('/pd/api/v1/members/name/:name', async (c) => {
    const body = await readJson(c.req.raw);
    if (!body.ok) return body.response;
    const priority = (body.value as Record<string, unknown> | null)?.['leader-priority'];
    if (priority !== undefined && typeof priority !== 'number') return pdResponse(400, 'bad format leader priority');
    return attempt(
      () => {
        if (priority !== undefined) model.setMemberLeaderPriority(c.req.param('name'), priority);
        else if (!model.member(c.req.param('name'))) throw pdErrors.memberNotFoundByName(c.req.param('name'));
        return pdResponse(200, 'success');
      },
      { ErrMemberNotFound: 404 },
    );
  });

  // ---- cluster and config ----
  app.get('/pd/api/v1/cluster', () =>
    pdResponse(200, { id: model.clusterId, max_peer_count: model.replication().maxReplicas }),
  );
  app.get('/pd/api/v1/version', () => pdResponse(200, { version: model.knobs.pdVersion }));
  app.get('/pd/api/v1/config', () => pdResponse(200, configJson(model)));
  app.post('/pd/api/v1/config', async (c) => {
    const body = await readJson(c.req.raw);
    if (!body.ok) return body.response;
    if (typeof body.value !== 'object' || body.value === null || Array.isArray(body.value)) {
      return pdResponse(400, 'json: cannot unmarshal into Go value of type map[string]interface {}');
    }
    return attempt(
      () => {
        for (const [key, value] of Object.entries(body.value as Record<string, unknown>)) {
          applyConfigItem(model, key, value);
        }
        return pdResponse(200, 'The config is updated.');
      },
      {},
      400,
    );
  });
  app.get('/pd/api/v1/config/replicate', () => pdResponse(200, replicationJson(model.replication())));
  app.post('/pd/api/v1/config/replicate', async (c) => {
    const body = await readJson(c.req.raw);
    if (!body.ok) return body.response;
    if (typeof body.value !== 'object' || body.value === null || Array.isArray(body.value)) {
      return pdResponse(400, 'json: cannot unmarshal into Go value of type config.ReplicationConfig');
    }
    let patch: Partial<ReplicationConfig>;
    try {
      patch = replicationPatch(body.value as Record<string, unknown>);
    } catch (e) {
      return failure(e, {}, 400);
    }
    return attempt(() => {
      model.updateReplication(patch);
      return pdResponse(200, 'The config is updated.');
    });
  });
  app.get('/pd/api/v1/config/schedule', () => pdResponse(200, scheduleJson(model.schedule())));

  // ---- stores ----
  app.get('/pd/api/v1/stores', (c) => {
    const early = notBootstrapped();
    if (early) return early;
    const requested = new URL(c.req.url).searchParams.getAll('state');
    const accepted = new Set<StoreRecord['state']>();
    for (const s of requested) {
      const state = STATE_NUMBERS.get(s);
      if (!state) {
        const msg = /^-?\d+$/.test(s) ? `unknown StoreState: ${s}` : `strconv.Atoi: parsing "${s}": invalid syntax`;
        return pdResponse(500, msg);
      }
      accepted.add(state);
    }
    if (requested.length === 0) {
      accepted.add('Up');
      accepted.add('Offline');
    }
    return pdResponse(
      200,
      storesJson(
        model,
        model.stores().filter((s) => accepted.has(s.state)),
      ),
    );
  });
  app.delete('/pd/api/v1/stores/remove-tombstone', () => {
    const early = notBootstrapped();
    if (early) return early;
    model.removeTombstones();
    return pdResponse(200, 'Remove tombstone successfully.');
  });
  app.get('/pd/api/v1/store/:id', (c) => {
    const early = notBootstrapped();
    if (early) return early;
    const id = parseStoreId(c.req.param('id'));
    if (id instanceof Response) return id;
    const store = model.store(id);
    if (!store) return pdResponse(404, pdErrors.storeNotFound(id).message);
    return pdResponse(200, storeInfoJson(model, store));
  });
  const storeErrors = { ErrStoreNotFound: 404, ErrStoreRemoved: 410 } as const;
  app.delete('/pd/api/v1/store/:id', (c) => {
    const early = notBootstrapped();
    if (early) return early;
    const id = parseStoreId(c.req.param('id'));
    if (id instanceof Response) return id;
    const force = hasQueryKey(c.req.url, 'force');
    return attempt(
      () => {
        model.deleteStore(id, force);
        return pdResponse(200, 'The store is set as Offline.');
      },
      storeErrors,
      400,
    );
  });
  app.post('/pd/api/v1/store/:id/state', (c) => {
    const early = notBootstrapped();
    if (early) return early;
    const id = parseStoreId(c.req.param('id'));
    if (id instanceof Response) return id;
    const state = new URL(c.req.url).searchParams.get('state') ?? '';
    return attempt(
      () => {
        model.setStoreState(id, state);
        return pdResponse(200, "The store's state is updated.");
      },
      storeErrors,
      400,
    );
  });
  app.post('/pd/api/v1/store/:id/label', async (c) => {
    const early = notBootstrapped();
    if (early) return early;
    const id = parseStoreId(c.req.param('id'));
    if (id instanceof Response) return id;
    const body = await readJson(c.req.raw);
    if (!body.ok) return body.response;
    const input = body.value;
    if (
      typeof input !== 'object' ||
      input === null ||
      Array.isArray(input) ||
      Object.values(input).some((v) => typeof v !== 'string')
    ) {
      return pdResponse(400, 'json: cannot unmarshal into Go value of type map[string]string');
    }
    const labels = input as Record<string, string>;
    return attempt(
      () => {
        model.setStoreLabels(id, labels, hasQueryKey(c.req.url, 'force'));
        return pdResponse(200, "The store's label is updated.");
      },
      { ErrInvalidInput: 400 },
      500,
    );
  });
  app.delete('/pd/api/v1/store/:id/label', async (c) => {
    const early = notBootstrapped();
    if (early) return early;
    const id = parseStoreId(c.req.param('id'));
    if (id instanceof Response) return id;
    const body = await readJson(c.req.raw);
    if (!body.ok) return body.response;
    if (typeof body.value !== 'string') return pdResponse(400, 'json: cannot unmarshal into Go value of type string');
    const key = body.value;
    if (!/^[$]?[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$/.test(key)) {
      return pdResponse(400, `${key} does not match format "^[$]?[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$"`);
    }
    return attempt(() => {
      model.deleteStoreLabel(id, key);
      return pdResponse(200, `The label ${key} is deleted for store ${id}.`);
    });
  });

  // ---- schedulers ----
  app.get('/pd/api/v1/schedulers', () => notBootstrapped() ?? pdResponse(200, model.schedulers()));
  app.post('/pd/api/v1/schedulers', async (c) => {
    const early = notBootstrapped();
    if (early) return early;
    const body = await readJson(c.req.raw);
    if (!body.ok) return body.response;
    const input = (typeof body.value === 'object' && body.value !== null ? body.value : {}) as Record<string, unknown>;
    const name = input.name;
    if (typeof name !== 'string') return pdResponse(400, 'missing scheduler name');
    let storeId: number | undefined;
    if (name === EVICT_LEADER_SCHEDULER) {
      if (!('store_id' in input)) return pdResponse(400, 'missing store id');
      if (typeof input.store_id !== 'number') return pdResponse(400, 'please input a right store id');
      storeId = input.store_id;
    }
    const existed = name === EVICT_LEADER_SCHEDULER && model.schedulers().includes(EVICT_LEADER_SCHEDULER);
    return attempt(
      () => {
        const result = model.addScheduler(name, storeId);
        return pdResponse(
          200,
          result === 'applied' ? 'The scheduler has been applied to the store.' : 'The scheduler is created.',
        );
      },
      {},
      // Adding a store to an existing scheduler goes through its config handler, which answers 500.
      existed ? 500 : 400,
    );
  });
  app.delete('/pd/api/v1/schedulers/:name', (c) => {
    const name = c.req.param('name');
    const early = notBootstrapped();
    if (early) return early;
    const prefix = `${EVICT_LEADER_SCHEDULER}-`;
    if (name.startsWith(prefix)) {
      // PD redirects to the scheduler's config handler and answers with its status and a null body.
      const idText = name.slice(name.lastIndexOf('-') + 1);
      if (!/^\d+$/.test(idText)) return pdResponse(400, null);
      const id = Number(idText);
      try {
        model.removeEvictLeader(id);
        return pdResponse(200, null);
      } catch (e) {
        if (e instanceof PdError && (e.code === 'ErrSchedulerNotFound' || e.code === 'ErrScheduleConfigNotExist')) {
          return pdResponse(404, null);
        }
        throw e;
      }
    }
    return attempt(
      () => {
        model.removeScheduler(name);
        return pdResponse(200, 'The scheduler is removed.');
      },
      { ErrSchedulerNotFound: 404 },
    );
  });
  // Scheduler config routes exist only while the scheduler does (a Go ServeMux built from the running ones).
  app.get('/pd/api/v1/scheduler-config/evict-leader-scheduler/list', () => {
    const early = notBootstrapped();
    if (early) return early;
    if (model.evictLeaderStores().length === 0) return muxNotFound();
    return pdResponse(200, evictLeaderListJson(model.evictLeaderStores(), model.knobs.evictLeaderBatch));
  });
  app.delete('/pd/api/v1/scheduler-config/evict-leader-scheduler/delete/:id', (c) => {
    const early = notBootstrapped();
    if (early) return early;
    if (model.evictLeaderStores().length === 0) return muxNotFound();
    const id = parseStoreId(c.req.param('id'));
    if (id instanceof Response) return id;
    return attempt(() => pdResponse(200, model.removeEvictLeader(id) ? 'The last store has been deleted' : null), {
      ErrScheduleConfigNotExist: 404,
      ErrSchedulerNotFound: 404,
    });
  });

  // ---- regions ----
  /** Regions as PD lists them, each with its down peers. */
  const regionList = (regions: readonly Region[]) => {
    const early = notBootstrapped();
    if (early) return early;
    const down = new Map(model.downPeerRegions().map((d) => [d.region.id, d.downPeers]));
    return pdResponse(
      200,
      regionsJson(
        model,
        regions.map((region) => ({ region, downPeers: down.get(region.id) ?? [] })),
      ),
    );
  };
  app.get('/pd/api/v1/regions', () => regionList(model.regions()));
  app.get('/pd/api/v1/regions/check/down-peer', () => regionList(model.downPeerRegions().map((d) => d.region)));
  app.get('/pd/api/v1/regions/check/miss-peer', () => regionList(model.missPeerRegions()));

  // ---- v2 readiness: 200 once PD serves with a leader (the simulator's regions are always loaded) ----
  app.get('/pd/api/v2/ready', (c) => {
    if (!hasQueryKey(c.req.url, 'verbose')) return new Response(null, { status: 200 });
    return pdResponse(200, { region_loaded: model.isBootstrapped(), is_bootstrapped: model.isBootstrapped() });
  });

  return app;
}
