// The operator's PD client: PD's HTTP API (v8.5 paths and semantics) as typed methods. One instance per PD
// cluster URL, handed out by PdClientFactory. Each method documents whether it is retried after an ambiguous
// failure (a timeout or a broken connection, when PD may have acted): reads always are, writes only when PD
// applies them as "set to" (repeating lands in the same state). Every write notifies `onWrite` listeners when
// it settles, so the state source re-reads PD at once instead of waiting for its next poll.

import { type AddressResolver, identityResolver } from '../../../core/net/resolver.ts';
import { type Logger, silentLogger } from '../../../core/observability/log.ts';
import { type Clock, realClock } from '../../../core/runtime/clock.ts';
import { isNotBootstrapped, isNotFound, isTransient, PdApiError, PdResponseError } from './errors.ts';
import { type JsonValue, parseJsonLossless, toUint64, type Uint64 } from './json.ts';
import {
  DecodeError,
  type DownPeerRegion,
  decodeCluster,
  decodeConfig,
  decodeDownPeerRegions,
  decodeEvictLeaderList,
  decodeHealth,
  decodeLeader,
  decodeMembers,
  decodeMissPeerRegions,
  decodeReplicationConfig,
  decodeSchedulers,
  decodeStore,
  decodeStores,
  encodeReplicationPatch,
  type MissPeerRegion,
  type PdClusterInfo,
  type PdConfig,
  type PdMemberHealth,
  type PdMemberRef,
  type PdMembers,
  type PdStoreInfo,
  type ReplicationConfig,
} from './responses.ts';
import {
  DEFAULT_PD_TIMEOUT_MS,
  defaultRetryPolicy,
  type FetchLike,
  type PdRequest,
  type PdTlsOptions,
  PdTransport,
  type RetryPolicy,
} from './transport.ts';

export type StoreId = Uint64 | number | bigint;

export interface CallOptions {
  /** Cancels the call; its reason is thrown. */
  signal?: AbortSignal;
}

/** A write that settled (successfully or not: a failed write may still have changed PD). */
export interface PdWrite {
  /** The client method, `deleteStore`. */
  operation: string;
  ok: boolean;
}

export type WriteListener = (write: PdWrite) => void;

/** Result of DELETE /store/{id}: PD's answer mapped to what it means for the caller. */
export type DeleteStoreOutcome =
  /** 200: the store is Offline (Removing) now, or was already. */
  | 'offline'
  /** 404: PD does not know the store (never registered, or its Tombstone was cleaned up). */
  | 'not-found'
  /** 410: the store is already Tombstone (Removed). */
  | 'removed';

export interface PdClientOptions {
  /** Maps cluster-internal URLs to dialable ones; every request goes through it. Default: identity. */
  resolver?: AddressResolver;
  /** Per attempt. Default 10 s. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** For `https://` URLs (Bun). The simulator serves plain HTTP and needs none. */
  tls?: PdTlsOptions;
  /** Timeouts and backoff run on it. Default: the wall clock. */
  clock?: Clock;
  /** Default: globalThis.fetch. */
  fetch?: FetchLike;
  logger?: Logger;
}

const EVICT_LEADER = 'evict-leader-scheduler';
const API = '/pd/api/v1';

export class PdClient {
  readonly url: string;
  private readonly transport: PdTransport;
  private readonly writeListeners = new Set<WriteListener>();

  constructor(url: string, opts: PdClientOptions = {}) {
    this.transport = new PdTransport({
      baseUrl: url,
      resolver: opts.resolver ?? identityResolver,
      clock: opts.clock ?? realClock,
      timeoutMs: opts.timeoutMs ?? DEFAULT_PD_TIMEOUT_MS,
      retry: { ...defaultRetryPolicy, ...opts.retry },
      tls: opts.tls,
      fetch: opts.fetch ?? ((input, init) => fetch(input, init)),
      logger: opts.logger ?? silentLogger(),
    });
    this.url = this.transport.baseUrl;
  }

  /** Calls `listener` after every write through this client settles. Returns the unsubscribe function. */
  onWrite(listener: WriteListener): () => void {
    this.writeListeners.add(listener);
    return () => this.writeListeners.delete(listener);
  }

  // ---- members --------------------------------------------------------------------------------------------

  /** GET /health: every member with its health. Answers before the cluster is bootstrapped. Retried. */
  async health(opts?: CallOptions): Promise<PdMemberHealth[]> {
    return this.read(decodeHealth, { path: `${API}/health`, ...opts });
  }

  /** GET /members: ids, URLs, the leader and the cluster id. Retried. */
  async members(opts?: CallOptions): Promise<PdMembers> {
    return this.read(decodeMembers, { path: `${API}/members`, ...opts });
  }

  /** GET /leader: the PD leader, undefined while there is none. Retried. */
  async leader(opts?: CallOptions): Promise<PdMemberRef | undefined> {
    return this.read(decodeLeader, { path: `${API}/leader`, ...opts });
  }

  /**
   * POST /leader/transfer/{name}: PD moves its (etcd) leadership to the member. Not retried after an
   * ambiguous failure: the caller re-reads the leader and decides again (PD answers 500 for a target that is
   * unknown or unhealthy).
   */
  async transferLeader(name: string, opts?: CallOptions): Promise<void> {
    await this.write('transferLeader', {
      method: 'POST',
      path: `${API}/leader/transfer/${encodeURIComponent(name)}`,
      idempotent: false,
      ...opts,
    });
  }

  /**
   * DELETE /members/name/{name}. Resolves true when deleted, false when PD does not know the member (404:
   * already deleted, which is what the caller wants). Retried: a repeat answers 404.
   */
  async deleteMemberByName(name: string, opts?: CallOptions): Promise<boolean> {
    const res = await this.write('deleteMemberByName', {
      method: 'DELETE',
      path: `${API}/members/name/${encodeURIComponent(name)}`,
      idempotent: true,
      accept: [404],
      ...opts,
    });
    return res.status !== 404;
  }

  /**
   * DELETE /members/id/{id} by etcd member id (a uint64: pass the decimal string from `members()`). Not
   * retried after an ambiguous failure: PD answers an unknown id with a 500, so a repeat after success would
   * report an error.
   */
  async deleteMemberById(id: Uint64 | bigint, opts?: CallOptions): Promise<void> {
    await this.write('deleteMemberById', {
      method: 'DELETE',
      path: `${API}/members/id/${toUint64(id)}`,
      idempotent: false,
      ...opts,
    });
  }

  // ---- cluster and config ---------------------------------------------------------------------------------

  /** GET /cluster. Retried. */
  async cluster(opts?: CallOptions): Promise<PdClusterInfo> {
    return this.read(decodeCluster, { path: `${API}/cluster`, ...opts });
  }

  /** The cluster id (uint64, decimal). Retried. */
  async clusterId(opts?: CallOptions): Promise<Uint64> {
    return (await this.cluster(opts)).id;
  }

  /** GET /config/replicate. Retried. */
  async replicationConfig(opts?: CallOptions): Promise<ReplicationConfig> {
    return this.read(decodeReplicationConfig, { path: `${API}/config/replicate`, ...opts });
  }

  /** POST /config/replicate with only the given keys, in PD's encoding. Retried: it sets values. */
  async updateReplicationConfig(patch: Partial<ReplicationConfig>, opts?: CallOptions): Promise<void> {
    await this.write('updateReplicationConfig', {
      method: 'POST',
      path: `${API}/config/replicate`,
      body: JSON.stringify(encodeReplicationPatch(patch)),
      idempotent: true,
      ...opts,
    });
  }

  /** GET /config: replication decoded, the rest raw. Retried. */
  async config(opts?: CallOptions): Promise<PdConfig> {
    return this.read(decodeConfig, { path: `${API}/config`, ...opts });
  }

  /**
   * POST /config with PD's item names, `section.key` or bare (`{"max-store-down-time": "1m"}`); values in PD's
   * encoding (durations as Go strings). Retried: it sets values.
   */
  async updateConfig(items: Record<string, string | number | boolean>, opts?: CallOptions): Promise<void> {
    await this.write('updateConfig', {
      method: 'POST',
      path: `${API}/config`,
      body: JSON.stringify(items),
      idempotent: true,
      ...opts,
    });
  }

  // ---- stores ---------------------------------------------------------------------------------------------

  /**
   * GET /stores. With `includeTombstone` (the default, like tidb-operator v2) Up, Offline and Tombstone
   * stores; without, Up and Offline. A cluster that is not bootstrapped yet has no stores: []. Retried.
   */
  async stores(opts: CallOptions & { includeTombstone?: boolean } = {}): Promise<PdStoreInfo[]> {
    const query = new URLSearchParams([
      ['state', '0'],
      ['state', '1'],
    ]);
    if (opts.includeTombstone ?? true) query.append('state', '2');
    return this.readUnlessNotBootstrapped(decodeStores, [], { path: `${API}/stores`, query, signal: opts.signal });
  }

  /** GET /store/{id}; undefined when PD does not know it (404) or has no cluster yet. Retried. */
  async store(id: StoreId, opts?: CallOptions): Promise<PdStoreInfo | undefined> {
    try {
      return await this.readUnlessNotBootstrapped(decodeStore, undefined, {
        path: `${API}/store/${toUint64(id)}`,
        ...opts,
      });
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /**
   * DELETE /store/{id}[?force]: starts removing the store (Offline; PD moves its regions away, then buries it
   * as Tombstone). `force` marks its data physically destroyed, skipping the Up-store check. Retried: a
   * repeat answers 200 while Offline and 410 once removed, and both are outcomes, not errors. Rejects with
   * PdApiError 400 when PD refuses (isTooFewStores, isNoStoreForLeader).
   */
  async deleteStore(id: StoreId, opts: CallOptions & { force?: boolean } = {}): Promise<DeleteStoreOutcome> {
    const res = await this.write('deleteStore', {
      method: 'DELETE',
      path: `${API}/store/${toUint64(id)}`,
      query: opts.force ? new URLSearchParams([['force', 'true']]) : undefined,
      idempotent: true,
      accept: [404, 410],
      signal: opts.signal,
    });
    return res.status === 404 ? 'not-found' : res.status === 410 ? 'removed' : 'offline';
  }

  /**
   * POST /store/{id}/state?state=Up: cancels a removal in progress (Offline back to Up). Retried: Up stays Up.
   * Rejects with 410 (isGone) once the store is Tombstone: too late to cancel.
   */
  async cancelDeleteStore(id: StoreId, opts?: CallOptions): Promise<void> {
    await this.write('cancelDeleteStore', {
      method: 'POST',
      path: `${API}/store/${toUint64(id)}/state`,
      query: new URLSearchParams([['state', 'Up']]),
      idempotent: true,
      ...opts,
    });
  }

  /**
   * POST /store/{id}/label[?force]: merges the labels into the store's (with `force`, replaces them all).
   * Retried: it sets values.
   */
  async setStoreLabels(
    id: StoreId,
    labels: Record<string, string>,
    opts: CallOptions & { force?: boolean } = {},
  ): Promise<void> {
    await this.write('setStoreLabels', {
      method: 'POST',
      path: `${API}/store/${toUint64(id)}/label`,
      query: opts.force ? new URLSearchParams([['force', 'true']]) : undefined,
      body: JSON.stringify(labels),
      idempotent: true,
      signal: opts.signal,
    });
  }

  /**
   * DELETE /store/{id}/label with the key as a JSON string body. A key the store does not have counts as
   * deleted, so a repeat is harmless and the call is retried.
   */
  async deleteStoreLabel(id: StoreId, key: string, opts?: CallOptions): Promise<void> {
    try {
      await this.write('deleteStoreLabel', {
        method: 'DELETE',
        path: `${API}/store/${toUint64(id)}/label`,
        body: JSON.stringify(key),
        idempotent: true,
        ...opts,
      });
    } catch (e) {
      // PD: errors.Errorf("the label key %s does not exist") answered as 500.
      if (e instanceof PdApiError && e.body.includes(`label key ${key} does not exist`)) return;
      throw e;
    }
  }

  // ---- schedulers and regions -----------------------------------------------------------------------------

  /** GET /schedulers: the running schedulers' names ([] before bootstrap). Retried. */
  async schedulers(opts?: CallOptions): Promise<string[]> {
    return this.readUnlessNotBootstrapped(decodeSchedulers, [], { path: `${API}/schedulers`, ...opts });
  }

  /**
   * POST /schedulers `{"name":"evict-leader-scheduler","store_id":N}`: PD moves the store's leaders away.
   * Creating the scheduler or adding the store to the existing one are both success; so is any refusal after
   * which the store is found in the scheduler's list (PD versions answer "already exists" differently).
   * Retried: evicting an evicting store changes nothing.
   */
  async addEvictLeaderScheduler(storeId: StoreId, opts?: CallOptions): Promise<void> {
    const id = toUint64(storeId);
    try {
      await this.write('addEvictLeaderScheduler', {
        method: 'POST',
        path: `${API}/schedulers`,
        // Written by hand: the id must be a bare JSON integer with every digit.
        body: `{"name":"${EVICT_LEADER}","store_id":${id}}`,
        idempotent: true,
        ...opts,
      });
    } catch (e) {
      if (!(e instanceof PdApiError) || isTransient(e)) throw e;
      const evicting = await this.evictLeaderSchedulerStores(opts);
      if (!evicting.includes(id)) throw e;
    }
  }

  /**
   * DELETE /schedulers/evict-leader-scheduler-{id}: the store may lead again (removing the last store removes
   * the scheduler). 404 means it was not evicting: done. Retried.
   */
  async removeEvictLeaderScheduler(storeId: StoreId, opts?: CallOptions): Promise<void> {
    try {
      await this.write('removeEvictLeaderScheduler', {
        method: 'DELETE',
        path: `${API}/schedulers/${EVICT_LEADER}-${toUint64(storeId)}`,
        idempotent: true,
        accept: [404],
        ...opts,
      });
    } catch (e) {
      if (isNotBootstrapped(e)) return; // no cluster, no scheduler
      throw e;
    }
  }

  /**
   * GET /scheduler-config/evict-leader-scheduler/list: ids of the stores whose leaders are being evicted,
   * ascending. The route exists only while the scheduler does, so 404 means none. Retried.
   */
  async evictLeaderSchedulerStores(opts?: CallOptions): Promise<Uint64[]> {
    try {
      return await this.readUnlessNotBootstrapped(decodeEvictLeaderList, [], {
        path: `${API}/scheduler-config/${EVICT_LEADER}/list`,
        ...opts,
      });
    } catch (e) {
      if (isNotFound(e)) return [];
      throw e;
    }
  }

  /** GET /regions/check/down-peer: regions with peers on stores that stopped heartbeating. Retried. */
  async downPeerRegions(opts?: CallOptions): Promise<DownPeerRegion[]> {
    return this.readUnlessNotBootstrapped(decodeDownPeerRegions, [], {
      path: `${API}/regions/check/down-peer`,
      ...opts,
    });
  }

  /** GET /regions/check/miss-peer: regions with fewer replicas than configured (PD is still adding them). Retried. */
  async missPeerRegions(opts?: CallOptions): Promise<MissPeerRegion[]> {
    return this.readUnlessNotBootstrapped(decodeMissPeerRegions, [], {
      path: `${API}/regions/check/miss-peer`,
      ...opts,
    });
  }

  /**
   * GET /pd/api/v2/ready of the member this client points to: true when it has loaded its regions (200),
   * false while loading (500), and true on PDs older than v8.5.2, which lack the route (404). Retried.
   */
  async ready(opts?: CallOptions): Promise<boolean> {
    const res = await this.transport.send({
      method: 'GET',
      path: '/pd/api/v2/ready',
      idempotent: true,
      accept: [404, 500],
      signal: opts?.signal,
    });
    return res.status !== 500;
  }

  // ---- plumbing -------------------------------------------------------------------------------------------

  private async read<T>(decode: (body: JsonValue) => T, req: Omit<PdRequest, 'method' | 'idempotent'>): Promise<T> {
    const request: PdRequest = { method: 'GET', idempotent: true, ...req };
    const res = await this.transport.send(request);
    return this.decode(request, res.body, decode);
  }

  private async readUnlessNotBootstrapped<T, E>(
    decode: (body: JsonValue) => T,
    empty: E,
    req: Omit<PdRequest, 'method' | 'idempotent'>,
  ): Promise<T | E> {
    try {
      return await this.read(decode, req);
    } catch (e) {
      if (isNotBootstrapped(e)) return empty;
      throw e;
    }
  }

  private decode<T>(req: PdRequest, body: string, decode: (body: JsonValue) => T): T {
    const url = this.transport.urlOf(req);
    let json: JsonValue;
    try {
      json = parseJsonLossless(body);
    } catch (e) {
      throw new PdResponseError(req.method, url, `not JSON: ${(e as Error).message}`);
    }
    try {
      return decode(json);
    } catch (e) {
      if (e instanceof DecodeError) throw new PdResponseError(req.method, url, e.message);
      throw e;
    }
  }

  private async write(operation: string, req: PdRequest) {
    let ok = false;
    try {
      const res = await this.transport.send(req);
      ok = true;
      return res;
    } finally {
      for (const listener of [...this.writeListeners]) listener({ operation, ok });
    }
  }
}

/**
 * One client per PD URL, shared by everything that talks to that cluster (so its write notifications reach
 * the cluster's state source). URLs are compared without trailing slashes and case-insensitively in the host.
 */
export class PdClientFactory {
  private readonly clients = new Map<string, PdClient>();

  constructor(private readonly opts: PdClientOptions = {}) {}

  get(url: string): PdClient {
    const key = normalizeUrl(url);
    let client = this.clients.get(key);
    if (!client) {
      client = new PdClient(url, this.opts);
      this.clients.set(key, client);
    }
    return client;
  }

  /** Drops the client of a cluster that is gone; a later `get` builds a new one. */
  forget(url: string): void {
    this.clients.delete(normalizeUrl(url));
  }

  /** URLs with a client. */
  urls(): string[] {
    return [...this.clients.values()].map((c) => c.url);
  }
}

function normalizeUrl(url: string): string {
  const trimmed = url.trim().replace(/\/+$/, '');
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/i.exec(trimmed);
  if (!m) return trimmed;
  return `${(m[1] as string).toLowerCase()}${(m[2] as string).toLowerCase()}${m[3]}`;
}
