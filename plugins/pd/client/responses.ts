// PD's response bodies as typed values, decoded from the lossless JSON (json.ts). Field names follow PD v8.5
// (kvproto metapb/pdpb json tags, pkg/response/store.go, server/api/*.go). Go leaves zero values out
// (omitempty), so a missing number is 0, a missing enum is its first value (state Up, node_state Preparing)
// and a missing list is empty. Every id (cluster, member, store, region, peer) comes out as a decimal string.

import { type JsonValue, toUint64, type Uint64 } from './json.ts';

/** A response that does not have the shape PD sends; the client turns it into PdResponseError. */
export class DecodeError extends Error {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`${path || 'body'}: ${problem}`);
    this.name = 'DecodeError';
  }
}

type JsonObject = { [key: string]: JsonValue };

function describe(value: JsonValue | undefined): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function objectAt(value: JsonValue | undefined, path: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DecodeError(path, `expected an object, got ${describe(value)}`);
  }
  return value;
}

function arrayAt(value: JsonValue | undefined, path: string): JsonValue[] {
  if (value === undefined || value === null) return []; // omitempty / nil slice
  if (!Array.isArray(value)) throw new DecodeError(path, `expected an array, got ${describe(value)}`);
  return value;
}

/** Typed access to one JSON object's fields, with the JSON path in every error. */
class Fields {
  constructor(
    readonly obj: JsonObject,
    readonly path: string,
  ) {}

  static of(value: JsonValue | undefined, path = ''): Fields {
    return new Fields(objectAt(value, path), path);
  }

  private at(key: string): string {
    return this.path ? `${this.path}.${key}` : key;
  }

  has(key: string): boolean {
    return this.obj[key] !== undefined && this.obj[key] !== null;
  }

  string(key: string): string {
    const v = this.obj[key];
    if (typeof v !== 'string') throw new DecodeError(this.at(key), `expected a string, got ${describe(v)}`);
    return v;
  }

  optionalString(key: string): string | undefined {
    return this.has(key) ? this.string(key) : undefined;
  }

  /** A number that Go omits when zero. */
  number(key: string): number {
    const v = this.obj[key];
    if (v === undefined || v === null) return 0;
    if (typeof v !== 'number') throw new DecodeError(this.at(key), `expected a number, got ${describe(v)}`);
    return v;
  }

  /** A boolean that Go omits when false. */
  boolean(key: string): boolean {
    const v = this.obj[key];
    if (v === undefined || v === null) return false;
    if (typeof v !== 'boolean') throw new DecodeError(this.at(key), `expected a boolean, got ${describe(v)}`);
    return v;
  }

  /** A `json:",string"` boolean ("true"/"false"); PD's replication config writes booleans this way. */
  stringBoolean(key: string): boolean {
    const v = this.obj[key];
    if (v === 'true' || v === true) return true;
    if (v === 'false' || v === false || v === undefined) return false;
    throw new DecodeError(this.at(key), `expected "true" or "false", got ${describe(v)}`);
  }

  /** A uint64 id: a bare JSON integer of any size (or, leniently, a decimal string). */
  id(key: string): Uint64 {
    const v = this.obj[key];
    if (v === undefined || v === null) return '0';
    if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'string') {
      try {
        return toUint64(v);
      } catch (e) {
        throw new DecodeError(this.at(key), (e as Error).message);
      }
    }
    throw new DecodeError(this.at(key), `expected a uint64, got ${describe(v)}`);
  }

  strings(key: string): string[] {
    return arrayAt(this.obj[key], this.at(key)).map((v, i) => {
      if (typeof v !== 'string')
        throw new DecodeError(`${this.at(key)}[${i}]`, `expected a string, got ${describe(v)}`);
      return v;
    });
  }

  objects(key: string): Fields[] {
    return arrayAt(this.obj[key], this.at(key)).map((v, i) => Fields.of(v, `${this.at(key)}[${i}]`));
  }

  child(key: string): Fields {
    return Fields.of(this.obj[key], this.at(key));
  }

  optionalChild(key: string): Fields | undefined {
    return this.has(key) ? this.child(key) : undefined;
  }
}

// ---- members ------------------------------------------------------------------------------------------------

/** A PD member as its election key and the members list show it. */
export interface PdMemberRef {
  name: string;
  memberId: Uint64;
  peerUrls: string[];
  clientUrls: string[];
}

export interface PdMemberInfo extends PdMemberRef {
  /** PD's `leader-priority` member property (higher wins the election); 0 when unset. */
  leaderPriority: number;
  binaryVersion: string;
  gitHash: string;
  deployPath: string;
}

export interface PdMembers {
  clusterId: Uint64;
  members: PdMemberInfo[];
  /** The PD leader; absent while there is none (election, quorum lost). */
  leader: PdMemberRef | undefined;
  /** The etcd leader; normally the same member as `leader`. */
  etcdLeader: PdMemberRef | undefined;
}

export interface PdMemberHealth {
  name: string;
  memberId: Uint64;
  clientUrls: string[];
  health: boolean;
}

function memberRef(f: Fields): PdMemberRef {
  return {
    name: f.string('name'),
    memberId: f.id('member_id'),
    peerUrls: f.strings('peer_urls'),
    clientUrls: f.strings('client_urls'),
  };
}

/** A leader that is set: pdpb.Member without a name is PD's "no leader" placeholder. */
function optionalMemberRef(f: Fields | undefined): PdMemberRef | undefined {
  if (!f?.has('name') || f.string('name') === '') return undefined;
  return memberRef(f);
}

export function decodeMembers(body: JsonValue): PdMembers {
  const f = Fields.of(body);
  return {
    clusterId: f.has('header') ? f.child('header').id('cluster_id') : '0',
    members: f.objects('members').map((m) => ({
      ...memberRef(m),
      leaderPriority: m.number('leader_priority'),
      binaryVersion: m.optionalString('binary_version') ?? '',
      gitHash: m.optionalString('git_hash') ?? '',
      deployPath: m.optionalString('deploy_path') ?? '',
    })),
    leader: optionalMemberRef(f.optionalChild('leader')),
    etcdLeader: optionalMemberRef(f.optionalChild('etcd_leader')),
  };
}

/** GET /leader: the member, or undefined when PD answers `null` or an empty member. */
export function decodeLeader(body: JsonValue): PdMemberRef | undefined {
  if (body === null) return undefined;
  return optionalMemberRef(Fields.of(body));
}

export function decodeHealth(body: JsonValue): PdMemberHealth[] {
  return arrayAt(body, '').map((v, i) => {
    const f = Fields.of(v, `[${i}]`);
    return {
      name: f.string('name'),
      memberId: f.id('member_id'),
      clientUrls: f.strings('client_urls'),
      health: f.boolean('health'),
    };
  });
}

// ---- cluster and config -------------------------------------------------------------------------------------

export interface PdClusterInfo {
  id: Uint64;
  maxPeerCount: number;
}

export function decodeCluster(body: JsonValue): PdClusterInfo {
  const f = Fields.of(body);
  return { id: f.id('id'), maxPeerCount: f.number('max_peer_count') };
}

export interface ReplicationConfig {
  maxReplicas: number;
  /** Topology label keys, most significant first (`zone,rack,host`). */
  locationLabels: string[];
  strictlyMatchLabel: boolean;
  enablePlacementRules: boolean;
  enablePlacementRulesCache: boolean;
  isolationLevel: string;
}

/** location-labels is a typeutil.StringSlice: one comma-joined string (older PDs: a JSON list). */
function locationLabels(f: Fields): string[] {
  const v = f.obj['location-labels'];
  if (Array.isArray(v)) return f.strings('location-labels');
  const text = f.optionalString('location-labels') ?? '';
  return text === '' ? [] : text.split(',').map((s) => s.trim());
}

function replicationFrom(f: Fields): ReplicationConfig {
  return {
    maxReplicas: f.number('max-replicas'),
    locationLabels: locationLabels(f),
    strictlyMatchLabel: f.stringBoolean('strictly-match-label'),
    enablePlacementRules: f.stringBoolean('enable-placement-rules'),
    enablePlacementRulesCache: f.stringBoolean('enable-placement-rules-cache'),
    isolationLevel: f.optionalString('isolation-level') ?? '',
  };
}

export function decodeReplicationConfig(body: JsonValue): ReplicationConfig {
  return replicationFrom(Fields.of(body));
}

/** The request body of POST /config/replicate in PD's own encoding: string booleans, comma-joined labels. */
export function encodeReplicationPatch(patch: Partial<ReplicationConfig>): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  if (patch.maxReplicas !== undefined) {
    if (!Number.isInteger(patch.maxReplicas) || patch.maxReplicas < 1) {
      throw new RangeError(`max-replicas must be a positive integer, not ${patch.maxReplicas}`);
    }
    out['max-replicas'] = patch.maxReplicas;
  }
  if (patch.locationLabels !== undefined) out['location-labels'] = patch.locationLabels.join(',');
  if (patch.strictlyMatchLabel !== undefined) out['strictly-match-label'] = String(patch.strictlyMatchLabel);
  if (patch.enablePlacementRules !== undefined) out['enable-placement-rules'] = String(patch.enablePlacementRules);
  if (patch.enablePlacementRulesCache !== undefined) {
    out['enable-placement-rules-cache'] = String(patch.enablePlacementRulesCache);
  }
  if (patch.isolationLevel !== undefined) out['isolation-level'] = patch.isolationLevel;
  return out;
}

export interface PdConfig {
  /** The replication section, decoded. */
  replication: ReplicationConfig;
  /** schedule.max-store-down-time as PD writes it (a Go duration such as `30m0s`), if present. */
  maxStoreDownTime: string | undefined;
  /** The whole body (ids and other large integers as bigint), for keys the client does not type. */
  raw: { [key: string]: JsonValue };
}

export function decodeConfig(body: JsonValue): PdConfig {
  const f = Fields.of(body);
  const schedule = f.optionalChild('schedule');
  return {
    replication: f.has('replication') ? replicationFrom(f.child('replication')) : decodeReplicationConfig({}),
    maxStoreDownTime: schedule?.optionalString('max-store-down-time'),
    raw: f.obj,
  };
}

// ---- stores -------------------------------------------------------------------------------------------------

export type StoreState = 'Up' | 'Offline' | 'Tombstone';
export type NodeState = 'Preparing' | 'Serving' | 'Removing' | 'Removed';

/** metapb.StoreState and metapb.NodeState by number (gogoproto enums are numbers in PD's JSON). */
const STORE_STATES: readonly StoreState[] = ['Up', 'Offline', 'Tombstone'];
const NODE_STATES: readonly NodeState[] = ['Preparing', 'Serving', 'Removing', 'Removed'];

export interface PdStoreInfo {
  id: Uint64;
  /** The advertise address (`<pod>.<peer-svc>.<ns>.svc:20160`): how the operator matches a store to a TiKV. */
  address: string;
  state: StoreState;
  /** `Up`, `Offline`, `Tombstone`, or for Up stores `Disconnected` (no heartbeat > 20 s) / `Down`. */
  stateName: string;
  nodeState: NodeState;
  labels: Record<string, string>;
  version: string;
  statusAddress: string;
  /** Deleted with `force`: its data is gone, the address may be reused by new data. */
  physicallyDestroyed: boolean;
  /** Unix seconds. */
  startTimestamp: number;
  /** RFC 3339 with nanoseconds; `store.last_heartbeat` (Unix ns) does not fit a double and is not decoded. */
  lastHeartbeatTs: string | undefined;
  leaderCount: number;
  regionCount: number;
  leaderWeight: number;
  regionWeight: number;
  capacity: string | undefined;
  available: string | undefined;
  isBusy: boolean;
}

function enumAt<T>(f: Fields, key: string, values: readonly T[]): T {
  const n = f.number(key);
  const v = values[n];
  if (v === undefined) throw new DecodeError(f.path ? `${f.path}.${key}` : key, `unknown value ${n}`);
  return v;
}

function storeInfo(f: Fields): PdStoreInfo {
  const store = f.child('store');
  const status = f.optionalChild('status') ?? Fields.of({}, `${f.path}.status`);
  const labels: Record<string, string> = {};
  for (const l of store.objects('labels')) labels[l.string('key')] = l.optionalString('value') ?? '';
  const state = enumAt(store, 'state', STORE_STATES);
  return {
    id: store.id('id'),
    address: store.string('address'),
    state,
    stateName: store.optionalString('state_name') ?? state,
    nodeState: enumAt(store, 'node_state', NODE_STATES),
    labels,
    version: store.optionalString('version') ?? '',
    statusAddress: store.optionalString('status_address') ?? '',
    physicallyDestroyed: store.boolean('physically_destroyed'),
    startTimestamp: store.number('start_timestamp'),
    lastHeartbeatTs: status.optionalString('last_heartbeat_ts'),
    leaderCount: status.number('leader_count'),
    regionCount: status.number('region_count'),
    leaderWeight: status.number('leader_weight'),
    regionWeight: status.number('region_weight'),
    capacity: status.optionalString('capacity'),
    available: status.optionalString('available'),
    isBusy: status.boolean('is_busy'),
  };
}

export function decodeStore(body: JsonValue): PdStoreInfo {
  return storeInfo(Fields.of(body));
}

export function decodeStores(body: JsonValue): PdStoreInfo[] {
  return Fields.of(body).objects('stores').map(storeInfo);
}

// ---- schedulers and regions ---------------------------------------------------------------------------------

export function decodeSchedulers(body: JsonValue): string[] {
  return arrayAt(body, '').map((v, i) => {
    if (typeof v !== 'string') throw new DecodeError(`[${i}]`, `expected a string, got ${describe(v)}`);
    return v;
  });
}

/** GET /scheduler-config/evict-leader-scheduler/list: the evicting store ids, ascending. */
export function decodeEvictLeaderList(body: JsonValue): Uint64[] {
  const ranges = Fields.of(body).optionalChild('store-id-ranges');
  if (!ranges) return [];
  const ids = Object.keys(ranges.obj).map((k) => {
    try {
      return toUint64(k);
    } catch (e) {
      throw new DecodeError(`store-id-ranges.${k}`, (e as Error).message);
    }
  });
  return ids.sort(compareUint64);
}

export interface DownPeer {
  peerId: Uint64;
  storeId: Uint64;
  downSeconds: number;
}

export interface DownPeerRegion {
  regionId: Uint64;
  downPeers: DownPeer[];
}

export function decodeDownPeerRegions(body: JsonValue): DownPeerRegion[] {
  return Fields.of(body)
    .objects('regions')
    .map((r) => ({
      regionId: r.id('id'),
      downPeers: r.objects('down_peers').map((d) => {
        const peer = d.child('peer');
        return { peerId: peer.id('id'), storeId: peer.id('store_id'), downSeconds: d.number('down_seconds') };
      }),
    }));
}

/** A region with fewer peers than PD's replication asks for, and the stores its peers are on. */
export interface MissPeerRegion {
  regionId: Uint64;
  storeIds: Uint64[];
}

export function decodeMissPeerRegions(body: JsonValue): MissPeerRegion[] {
  return Fields.of(body)
    .objects('regions')
    .map((r) => ({ regionId: r.id('id'), storeIds: r.objects('peers').map((p) => p.id('store_id')) }));
}

/** Numeric order of two uint64 decimal strings. */
export function compareUint64(a: Uint64, b: Uint64): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
