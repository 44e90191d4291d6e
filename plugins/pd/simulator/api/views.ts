// The JSON bodies of PD's API, built from the model with PD's field names, omitempty rules and value formats
// (pkg/response/store.go and region.go, kvproto metapb/pdpb json tags, server/api/*.go). uint64 ids stay
// bigint so that the encoder writes all their digits.

import { formatByteSize, formatGoDuration, formatGoTime } from '../go-format.ts';
import type { PdClusterModel, ReplicationConfig, ScheduleConfig } from '../model/cluster.ts';
import type { PdMember } from '../model/members.ts';
import type { Peer, Region } from '../model/regions.ts';
import { nodeStateNumber, type StoreRecord, storeStateNumber } from '../model/stores.ts';
import type { PdJson } from '../pd-json.ts';

type JsonObject = { [key: string]: PdJson | undefined };

/** Go's omitempty for numbers, booleans, strings and slices. */
function omitEmpty<T extends PdJson>(value: T): T | undefined {
  if (value === 0 || value === false || value === '' || (Array.isArray(value) && value.length === 0)) return undefined;
  return value;
}

export function memberJson(model: PdClusterModel, m: PdMember): JsonObject {
  return {
    name: m.name,
    member_id: m.memberId,
    peer_urls: m.peerUrls,
    client_urls: m.clientUrls,
    leader_priority: omitEmpty(m.leaderPriority),
    deploy_path: '/',
    binary_version: model.knobs.pdVersion,
    git_hash: model.knobs.pdGitHash,
  };
}

/** The leader as PD stores it in its election key: identity and URLs only. */
export function leaderJson(m: PdMember): JsonObject {
  return { name: m.name, member_id: m.memberId, peer_urls: m.peerUrls, client_urls: m.clientUrls };
}

export function membersJson(model: PdClusterModel): JsonObject {
  const leader = model.leader();
  return {
    header: { cluster_id: model.clusterId },
    members: model.members().map((m) => memberJson(model, m)),
    leader: leader ? leaderJson(leader) : undefined,
    etcd_leader: leader ? leaderJson(leader) : undefined,
  };
}

export function healthJson(model: PdClusterModel): PdJson {
  return model.members().map((m) => ({
    name: m.name,
    member_id: m.memberId,
    client_urls: m.clientUrls,
    health: m.healthy,
  }));
}

export function storeInfoJson(model: PdClusterModel, store: StoreRecord): JsonObject {
  const status = model.storeStatus(store.id);
  const size = model.knobs.regionSizeMiB;
  const usedBytes = status.regionCount * size * 1024 * 1024;
  const capacity = model.knobs.storeCapacityBytes;
  const uptimeMs = status.lastHeartbeatMs - store.startedAtMs;
  return {
    store: {
      id: store.id,
      address: store.address,
      state: omitEmpty(storeStateNumber[store.state]),
      labels: omitEmpty(store.labels.map((l) => ({ key: l.key, value: l.value }))),
      version: store.version,
      peer_address: store.address,
      status_address: omitEmpty(store.statusAddress),
      git_hash: omitEmpty(store.gitHash),
      start_timestamp: Math.floor(store.startedAtMs / 1000),
      deploy_path: store.deployPath,
      // Unix nanoseconds: too large for a JS number, which is why clients should read last_heartbeat_ts.
      last_heartbeat: BigInt(status.lastHeartbeatMs) * 1_000_000n,
      physically_destroyed: omitEmpty(store.physicallyDestroyed),
      node_state: omitEmpty(nodeStateNumber[status.nodeState]),
      state_name: status.stateName,
    },
    status: {
      capacity: formatByteSize(capacity),
      available: formatByteSize(Math.max(0, capacity - usedBytes)),
      used_size: formatByteSize(usedBytes),
      leader_count: status.leaderCount,
      leader_weight: 1,
      leader_score: status.leaderCount,
      leader_size: status.leaderCount * size,
      region_count: status.regionCount,
      region_weight: 1,
      region_score: status.regionCount * size,
      region_size: status.regionCount * size,
      slow_score: 1,
      start_ts: formatGoTime(store.startedAtMs),
      last_heartbeat_ts: formatGoTime(status.lastHeartbeatMs),
      uptime: uptimeMs > 0 ? formatGoDuration(uptimeMs) : undefined,
    },
  };
}

export function storesJson(model: PdClusterModel, stores: StoreRecord[]): JsonObject {
  return { count: stores.length, stores: stores.map((s) => storeInfoJson(model, s)) };
}

function peerJson(peer: Peer): JsonObject {
  return { id: peer.id, store_id: peer.storeId, role_name: 'Voter' };
}

export function regionJson(
  model: PdClusterModel,
  region: Region,
  downPeers: Array<{ peer: Peer; downSeconds: number }>,
) {
  const leader = region.peers.find((p) => p.id === region.leaderPeerId);
  const keys = model.knobs.regionSizeMiB * 10_000;
  const out: JsonObject = {
    id: region.id,
    start_key: region.startKey,
    end_key: region.endKey,
    epoch: { conf_ver: region.confVer, version: region.version },
    peers: omitEmpty(region.peers.map(peerJson)),
    // MetaPeer is a struct, so omitempty never drops it: without a leader PD writes only the role name.
    leader: leader ? peerJson(leader) : { role_name: 'Voter' },
    down_peers: omitEmpty(downPeers.map((d) => ({ peer: peerJson(d.peer), down_seconds: omitEmpty(d.downSeconds) }))),
    cpu_usage: 0,
    written_bytes: 0,
    read_bytes: 0,
    written_keys: 0,
    read_keys: 0,
    approximate_size: model.knobs.regionSizeMiB,
    approximate_keys: keys,
    approximate_kv_size: model.knobs.regionSizeMiB,
  };
  return out;
}

export function regionsJson(
  model: PdClusterModel,
  regions: Array<{ region: Region; downPeers: Array<{ peer: Peer; downSeconds: number }> }>,
) {
  return { count: regions.length, regions: regions.map((r) => regionJson(model, r.region, r.downPeers)) };
}

/** Replication booleans are strings (`json:",string"`), location-labels a comma-joined string. */
export function replicationJson(cfg: ReplicationConfig): JsonObject {
  return {
    'max-replicas': cfg.maxReplicas,
    'location-labels': cfg.locationLabels.join(','),
    'strictly-match-label': String(cfg.strictlyMatchLabel),
    'enable-placement-rules': String(cfg.enablePlacementRules),
    'enable-placement-rules-cache': String(cfg.enablePlacementRulesCache),
    'isolation-level': cfg.isolationLevel,
  };
}

export function scheduleJson(cfg: ScheduleConfig): JsonObject {
  return {
    'max-snapshot-count': cfg.maxSnapshotCount,
    'max-pending-peer-count': cfg.maxPendingPeerCount,
    'max-merge-region-size': 54,
    'max-merge-region-keys': 540000,
    'split-merge-interval': '1h0m0s',
    'switch-witness-interval': '1h0m0s',
    'enable-one-way-merge': 'false',
    'enable-cross-table-merge': 'true',
    'patrol-region-interval': '10ms',
    'max-store-down-time': formatGoDuration(cfg.maxStoreDownTimeMs),
    'max-store-preparing-time': formatGoDuration(cfg.maxStorePreparingTimeMs),
    'leader-schedule-limit': cfg.leaderScheduleLimit,
    'leader-schedule-policy': 'count',
    'region-schedule-limit': cfg.regionScheduleLimit,
    'replica-schedule-limit': cfg.replicaScheduleLimit,
    'merge-schedule-limit': 8,
    'hot-region-schedule-limit': 4,
    'hot-region-cache-hits-threshold': 3,
    'store-limit': {},
    'tolerant-size-ratio': 0,
    'low-space-ratio': 0.8,
    'high-space-ratio': 0.7,
    'region-score-formula-version': 'v2',
    'scheduler-max-waiting-operator': 5,
    'enable-remove-down-replica': 'true',
    'enable-replace-offline-replica': 'true',
    'enable-make-up-replica': 'true',
    'enable-remove-extra-replica': 'true',
    'enable-location-replacement': 'true',
    'enable-debug-metrics': 'false',
    'enable-joint-consensus': 'true',
    'enable-tikv-split-region': 'true',
    'schedulers-v2': [],
    'store-limit-version': 'v1',
  };
}

/**
 * GET /config: the sections an operator reads (replication, schedule) in full, the server section for the
 * member answering (the leader here), and a few top-level keys. Real PD returns many more keys.
 */
export function configJson(model: PdClusterModel): JsonObject {
  const self = model.leader();
  return {
    'client-urls': self?.clientUrls.join(',') ?? '',
    'peer-urls': self?.peerUrls.join(',') ?? '',
    'advertise-client-urls': self?.clientUrls.join(',') ?? '',
    'advertise-peer-urls': self?.peerUrls.join(',') ?? '',
    name: self?.name ?? '',
    'data-dir': '/var/lib/pd',
    'force-new-cluster': false,
    'enable-grpc-gateway': true,
    'initial-cluster-state': 'new',
    lease: 5,
    'cluster-version': model.knobs.tikvVersion,
    schedule: scheduleJson(model.schedule()),
    replication: replicationJson(model.replication()),
    'pd-server': {
      'use-region-storage': 'true',
      'max-gap-reset-ts': '24h0m0s',
      'key-type': 'table',
      'runtime-services': '',
      'metric-storage': '',
      'dashboard-address': 'auto',
      'flow-round-by-digit': 3,
      'min-resolved-ts-persistence-interval': '1s',
      'server-memory-limit': 0,
      'server-memory-limit-gc-trigger': 0.7,
      'enable-gogc-tuner': 'false',
    },
    labels: {},
    'label-property': {},
    'replication-mode': { 'replication-mode': 'majority' },
  };
}

export function evictLeaderListJson(storeIds: number[], batch: number): JsonObject {
  const ranges: JsonObject = {};
  for (const id of storeIds) ranges[String(id)] = [{ 'start-key': '', 'end-key': '' }];
  return { 'store-id-ranges': ranges, batch };
}
