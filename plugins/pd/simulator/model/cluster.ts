// The PD view of one simulated TiKV cluster: members, stores, regions, schedulers and configuration, with the
// rules real PD applies when its API is called and when it schedules. Pure TypeScript without I/O: time comes
// from an injected clock and advances the simulation only through `tick()`, so tests step it exactly and the
// real-time runner just calls `tick()` on a timer. Errors are PdError with PD's texts.

import { PdError, pdErrors } from '../errors.ts';
import { IdAllocator, randomSeed, Uint64Source } from '../ids.ts';
import { type SimulationKnobs, withDefaults } from './knobs.ts';
import { MemberSet, type MemberSpec, type MemberUpResult, type PdMember } from './members.ts';
import { type Peer, quorum, type Region, regionKeys, storeLoad } from './regions.ts';
import { SafetyLedger, type SafetyReport } from './safety.ts';
import {
  balanceLeaders,
  buryEmptyStores,
  electLeaders,
  evictLeaders,
  repairReplicas,
  type SchedulingState,
} from './scheduling.ts';
import {
  downTimeMs,
  isAlive,
  lastHeartbeatMs,
  mergeLabels,
  type NodeState,
  nodeState,
  type StoreLabel,
  type StoreRecord,
  type StoreStateName,
  stateName,
} from './stores.ts';

export interface ReplicationConfig {
  maxReplicas: number;
  locationLabels: string[];
  strictlyMatchLabel: boolean;
  enablePlacementRules: boolean;
  enablePlacementRulesCache: boolean;
  isolationLevel: string;
}

export interface ScheduleConfig {
  maxStoreDownTimeMs: number;
  maxStorePreparingTimeMs: number;
  leaderScheduleLimit: number;
  regionScheduleLimit: number;
  replicaScheduleLimit: number;
  maxSnapshotCount: number;
  maxPendingPeerCount: number;
}

export const defaultReplication: ReplicationConfig = {
  maxReplicas: 3,
  locationLabels: [],
  strictlyMatchLabel: false,
  enablePlacementRules: true,
  enablePlacementRulesCache: false,
  isolationLevel: '',
};

export const defaultSchedule: ScheduleConfig = {
  maxStoreDownTimeMs: 30 * 60_000,
  maxStorePreparingTimeMs: 48 * 3600_000,
  leaderScheduleLimit: 4,
  regionScheduleLimit: 2048,
  replicaScheduleLimit: 64,
  maxSnapshotCount: 64,
  maxPendingPeerCount: 64,
};

/** PD v8.5's default schedulers (pkg/schedule/config DefaultSchedulers). */
export const DEFAULT_SCHEDULERS = [
  'balance-region-scheduler',
  'balance-leader-scheduler',
  'balance-hot-region-scheduler',
  'evict-slow-store-scheduler',
] as const;

export const EVICT_LEADER_SCHEDULER = 'evict-leader-scheduler';
const KNOWN_SCHEDULERS = new Set<string>([...DEFAULT_SCHEDULERS, EVICT_LEADER_SCHEDULER]);

const LABEL_KEY_FORMAT = /^[$]?[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$/;
const LABEL_VALUE_FORMAT = /^[-A-Za-z0-9_./]*$/;
const ENGINE_LABEL = 'engine';

export interface ModelClock {
  now(): number;
}

export interface ModelOptions {
  clock: ModelClock;
  /** Seeds the cluster and member ids; random when absent. */
  seed?: bigint | number;
  knobs?: Partial<SimulationKnobs>;
  replication?: Partial<ReplicationConfig>;
  schedule?: Partial<ScheduleConfig>;
}

export interface StoreSpec {
  /** The advertise address, `<pod>.<subdomain>.<ns>.svc:20160`: PD identifies a live store by it. */
  address: string;
  /** The data directory (PVC) identity: the same data is the same store. */
  dataId: string;
  statusAddress?: string;
  /** Labels from TiKV's own config (`server.labels`), merged into the store's labels at every start. */
  labels?: Record<string, string>;
  version?: string;
}

export type StoreStartResult =
  | { status: 'registered' | 'restarted' | 'running'; store: StoreRecord }
  /** PD has no leader: TiKV keeps retrying and registers once PD serves again. */
  | { status: 'pending' }
  | { status: 'rejected'; reason: string };

export interface StoreStatus {
  leaderCount: number;
  regionCount: number;
  stateName: StoreStateName;
  nodeState: NodeState;
  lastHeartbeatMs: number;
  downTimeMs: number;
  uptimeMs: number;
}

export interface DownPeer {
  peer: Peer;
  downSeconds: number;
}

/** Something a TiKV or PD process tried that PD refused (it would crash-loop in a real cluster). */
export interface Rejection {
  atMs: number;
  component: 'pd' | 'tikv';
  /** Member name or store address. */
  subject: string;
  reason: string;
}

export interface TickReport {
  elected: number;
  replicaChanges: number;
  buried: number[];
  leadersEvicted: number;
  leadersBalanced: number;
  /** False while PD has no leader: nothing is scheduled, only Raft elections happen. */
  scheduled: boolean;
}

export class PdClusterModel {
  readonly clusterId: bigint;
  readonly knobs: SimulationKnobs;
  private readonly clock: ModelClock;
  private readonly memberSet: MemberSet;
  private readonly alloc = new IdAllocator();
  private readonly storeMap = new Map<number, StoreRecord>();
  private regionList: Region[] = [];
  private evictStores: number[] = [];
  private schedulerNames: string[] = [...DEFAULT_SCHEDULERS];
  private replicationConfig: ReplicationConfig;
  private scheduleConfig: ScheduleConfig;
  private readonly ledger = new SafetyLedger();
  private readonly pending = new Map<string, StoreSpec>();
  private readonly rejectionList: Rejection[] = [];
  private ticks = 0;

  constructor(opts: ModelOptions) {
    const ids = new Uint64Source(opts.seed ?? randomSeed());
    this.clusterId = ids.nextLargeId();
    this.memberSet = new MemberSet(ids);
    this.clock = opts.clock;
    this.knobs = withDefaults(opts.knobs);
    this.replicationConfig = { ...defaultReplication, ...opts.replication };
    this.scheduleConfig = { ...defaultSchedule, ...opts.schedule };
  }

  now(): number {
    return this.clock.now();
  }

  tickCount(): number {
    return this.ticks;
  }

  // ---- members ------------------------------------------------------------------------------------------

  memberUp(spec: MemberSpec): MemberUpResult {
    const result = this.memberSet.up(spec);
    if (!result.ok) this.reject('pd', spec.name, result.reason);
    this.afterChange();
    return result;
  }

  memberDown(name: string): void {
    this.setMemberHealth(name, false);
  }

  setMemberHealth(name: string, healthy: boolean): boolean {
    if (!healthy) this.checkPdLeaderDrop(name, 'stopped');
    const found = this.memberSet.setHealth(name, healthy);
    this.afterChange();
    return found;
  }

  members(): PdMember[] {
    return this.memberSet.list();
  }

  member(name: string): PdMember | undefined {
    return this.memberSet.get(name);
  }

  leader(): PdMember | undefined {
    return this.memberSet.leader();
  }

  hasQuorum(): boolean {
    return this.memberSet.hasQuorum();
  }

  transferLeader(name: string): void {
    this.memberSet.transferLeader(name);
  }

  deleteMemberByName(name: string): void {
    const member = this.memberSet.get(name);
    if (!member) throw pdErrors.memberNotFoundByName(name);
    this.removeMember(member);
  }

  deleteMemberById(id: bigint): void {
    const member = this.memberSet.byId(id);
    if (!member) throw pdErrors.memberRemove('etcdserver: member not found');
    this.removeMember(member);
  }

  private removeMember(member: PdMember): void {
    const wasLeader = this.memberSet.leader()?.name === member.name;
    const couldTransfer = this.memberSet.list().some((m) => m.healthy && m.name !== member.name);
    this.memberSet.remove(member);
    if (wasLeader && couldTransfer) this.ledger.recordPdLeaderDrop(member.name, 'deleted', this.now());
    this.afterChange();
  }

  /** PD's leader goes away without a transfer although a healthy member could have taken over. */
  private checkPdLeaderDrop(name: string, how: 'stopped' | 'deleted'): void {
    const leader = this.memberSet.leader();
    if (leader?.name !== name || !leader.healthy) return;
    if (this.memberSet.list().some((m) => m.healthy && m.name !== name)) {
      this.ledger.recordPdLeaderDrop(name, how, this.now());
    }
  }

  setMemberLeaderPriority(name: string, priority: number): void {
    const member = this.memberSet.get(name);
    if (!member) throw pdErrors.memberNotFoundByName(name);
    member.leaderPriority = priority;
  }

  // ---- configuration ------------------------------------------------------------------------------------

  replication(): ReplicationConfig {
    return { ...this.replicationConfig, locationLabels: [...this.replicationConfig.locationLabels] };
  }

  updateReplication(patch: Partial<ReplicationConfig>): void {
    const next = { ...this.replicationConfig, ...patch };
    for (const label of next.locationLabels) {
      if (!LABEL_KEY_FORMAT.test(label)) {
        throw pdErrors.invalidInput(`${label} does not match format "${LABEL_KEY_FORMAT.source}"`);
      }
    }
    if (next.isolationLevel !== '' && !next.locationLabels.includes(next.isolationLevel)) {
      throw pdErrors.invalidInput('isolation-level must be one of location-labels or empty');
    }
    if (!Number.isInteger(next.maxReplicas) || next.maxReplicas < 1) {
      throw pdErrors.invalidInput(`invalid max-replicas ${next.maxReplicas}`);
    }
    this.replicationConfig = { ...next, locationLabels: [...next.locationLabels] };
    this.afterChange();
  }

  schedule(): ScheduleConfig {
    return { ...this.scheduleConfig };
  }

  updateSchedule(patch: Partial<ScheduleConfig>): void {
    this.scheduleConfig = { ...this.scheduleConfig, ...patch };
    this.afterChange();
  }

  // ---- stores -------------------------------------------------------------------------------------------

  isBootstrapped(): boolean {
    return this.storeMap.size > 0;
  }

  /** A TiKV process on `spec.dataId` starts and contacts PD (PutStore, then heartbeats). */
  startStore(spec: StoreSpec): StoreStartResult {
    if (!this.memberSet.hasQuorum()) {
      this.pending.set(spec.address, spec);
      return { status: 'pending' };
    }
    this.pending.delete(spec.address);
    const result = this.registerStore(spec);
    if (result.status === 'rejected') this.reject('tikv', spec.address, result.reason);
    this.afterChange();
    return result;
  }

  /** The TiKV process at `address` stopped: heartbeats stop; a store that still led regions drops them. */
  stopStore(address: string): void {
    this.pending.delete(address);
    const store = this.liveStoreAt(address);
    if (!store?.running) return;
    const leaders = this.storeStatus(store.id).leaderCount;
    if (leaders > 0) this.ledger.recordLeaderDrop(store.id, store.address, leaders, this.now());
    store.running = false;
    store.stoppedAtMs = this.now();
    this.afterChange();
  }

  /**
   * A data directory was deleted (its PVC is gone): every store on it loses its peers for good. `dataToken` is
   * a whole data id or one element of a comma-separated one (one PVC of several).
   */
  destroyData(dataToken: string): StoreRecord[] {
    // A PD member deleted from PD may start again on a new claim of the same name: that is new data.
    this.memberSet.forgetRemovedData(dataToken);
    const hit: StoreRecord[] = [];
    for (const store of this.storeMap.values()) {
      if (store.dataDestroyed) continue;
      if (store.dataId === dataToken || store.dataId.split(',').includes(dataToken)) {
        store.dataDestroyed = true;
        if (store.running) {
          store.running = false;
          store.stoppedAtMs = this.now();
        }
        hit.push(store);
      }
    }
    if (hit.length > 0) this.afterChange();
    return hit;
  }

  stores(): StoreRecord[] {
    return [...this.storeMap.values()].sort((a, b) => a.id - b.id);
  }

  store(id: number): StoreRecord | undefined {
    return this.storeMap.get(id);
  }

  /** The store PD currently knows at this address (not Tombstone), if any. */
  storeByAddress(address: string): StoreRecord | undefined {
    return this.liveStoreAt(address);
  }

  storeStatus(id: number): StoreStatus {
    const store = this.storeMap.get(id);
    if (!store) throw pdErrors.storeNotFound(id);
    const load = storeLoad(this.regionList);
    const now = this.now();
    return {
      leaderCount: load.leaders.get(id) ?? 0,
      regionCount: load.peers.get(id) ?? 0,
      stateName: stateName(store, now, this.scheduleConfig.maxStoreDownTimeMs),
      nodeState: nodeState(store),
      lastHeartbeatMs: lastHeartbeatMs(store, now),
      downTimeMs: downTimeMs(store, now),
      uptimeMs: store.running ? now - store.startedAtMs : 0,
    };
  }

  /** DELETE /store/{id}[?force]: Up -> Offline (Removing); PD then drains it and buries it when empty. */
  deleteStore(id: number, force: boolean): void {
    const store = this.storeMap.get(id);
    if (!store) throw pdErrors.storeNotFound(id);
    if (store.state === 'Offline' && store.physicallyDestroyed === force) return;
    if (store.state === 'Tombstone') throw pdErrors.storeRemoved(id);
    if (store.physicallyDestroyed) throw pdErrors.storeDestroyed(id);
    if (store.state === 'Up' && !force) this.checkReplicasBeforeOffline(store);
    store.state = 'Offline';
    store.physicallyDestroyed = force;
    this.afterChange();
  }

  /** POST /store/{id}/state?state=Up|Offline: cancel a removal, or start one. */
  setStoreState(id: number, state: string): void {
    if (state.toLowerCase() === 'offline') {
      this.deleteStore(id, false);
      return;
    }
    if (state.toLowerCase() !== 'up') throw pdErrors.invalidInput(`invalid state ${state}`);
    const store = this.storeMap.get(id);
    if (!store) throw pdErrors.storeNotFound(id);
    if (store.state === 'Tombstone') throw pdErrors.storeRemoved(id);
    if (store.physicallyDestroyed) throw pdErrors.storeDestroyed(id);
    if (store.state === 'Up') return;
    store.state = 'Up';
    this.afterChange();
  }

  /** POST /store/{id}/label: merge (or with `force` replace) the labels. */
  setStoreLabels(id: number, labels: Record<string, string>, force: boolean): void {
    const updates: StoreLabel[] = Object.entries(labels).map(([key, value]) => ({ key, value }));
    if (updates.some((l) => l.key === ENGINE_LABEL)) {
      throw pdErrors.invalidInput(`label key "${ENGINE_LABEL}" is reserved`);
    }
    for (const l of updates) {
      if (!LABEL_KEY_FORMAT.test(l.key)) {
        throw pdErrors.invalidInput(`${l.key} does not match format "${LABEL_KEY_FORMAT.source}"`);
      }
      if (!LABEL_VALUE_FORMAT.test(l.value)) {
        throw pdErrors.invalidInput(`${l.value} does not match format "${LABEL_VALUE_FORMAT.source}"`);
      }
    }
    const store = this.storeMap.get(id);
    if (!store) throw pdErrors.invalidStoreId(id);
    const next = force ? updates : mergeLabels(store.labels, updates);
    this.checkStrictLabels(next);
    store.labels = next;
    this.afterChange();
  }

  deleteStoreLabel(id: number, key: string): void {
    const store = this.storeMap.get(id);
    if (!store) throw pdErrors.invalidStoreId(id);
    if (!store.labels.some((l) => l.key === key)) {
      throw new PdError('ErrInvalidInput', `the label key ${key} does not exist`);
    }
    store.labels = store.labels.filter((l) => l.key !== key);
    this.afterChange();
  }

  /** DELETE /stores/remove-tombstone: PD forgets Tombstone stores. */
  removeTombstones(): number[] {
    const removed: number[] = [];
    for (const store of this.stores()) {
      if (store.state === 'Tombstone') {
        this.storeMap.delete(store.id);
        removed.push(store.id);
      }
    }
    return removed;
  }

  // ---- schedulers ---------------------------------------------------------------------------------------

  schedulers(): string[] {
    return this.evictStores.length > 0 ? [...this.schedulerNames, EVICT_LEADER_SCHEDULER] : [...this.schedulerNames];
  }

  evictLeaderStores(): number[] {
    return [...this.evictStores];
  }

  /**
   * POST /schedulers. For the evict-leader scheduler: 'created' with its first store, 'applied' when it existed
   * and the store was added to it. Other known schedulers are only listed (balance-leader also runs).
   */
  addScheduler(name: string, storeId?: number): 'created' | 'applied' {
    if (!KNOWN_SCHEDULERS.has(name)) throw pdErrors.invalidInput('unknown scheduler');
    if (name === EVICT_LEADER_SCHEDULER) {
      if (storeId === undefined) throw pdErrors.invalidInput('missing store id');
      if (!this.storeMap.has(storeId)) throw pdErrors.storeNotFound(storeId);
      const existed = this.evictStores.length > 0;
      if (!this.evictStores.includes(storeId)) this.evictStores.push(storeId);
      this.afterChange();
      return existed ? 'applied' : 'created';
    }
    if (this.schedulerNames.includes(name)) throw pdErrors.schedulerExisted();
    this.schedulerNames.push(name);
    return 'created';
  }

  /** DELETE /schedulers/{name} for a whole scheduler. */
  removeScheduler(name: string): void {
    if (name === EVICT_LEADER_SCHEDULER) {
      if (this.evictStores.length === 0) throw pdErrors.schedulerNotFound();
      this.evictStores = [];
      this.afterChange();
      return;
    }
    if (!this.schedulerNames.includes(name)) throw pdErrors.schedulerNotFound();
    this.schedulerNames = this.schedulerNames.filter((n) => n !== name);
  }

  /**
   * Removes one store from the evict-leader scheduler; removing the last one removes the scheduler (PD's
   * removeSchedulerCb). Returns true when that happened.
   */
  removeEvictLeader(storeId: number): boolean {
    if (this.evictStores.length === 0) throw pdErrors.schedulerNotFound();
    if (!this.evictStores.includes(storeId)) throw pdErrors.scheduleConfigNotExist();
    this.evictStores = this.evictStores.filter((id) => id !== storeId);
    this.afterChange();
    return this.evictStores.length === 0;
  }

  // ---- regions ------------------------------------------------------------------------------------------

  regions(): readonly Region[] {
    return this.regionList;
  }

  /** Regions with peers on stores that are not alive (the leader reports them as down). */
  downPeerRegions(): Array<{ region: Region; downPeers: DownPeer[] }> {
    const now = this.now();
    const out: Array<{ region: Region; downPeers: DownPeer[] }> = [];
    for (const region of this.regionList) {
      const downPeers: DownPeer[] = [];
      for (const peer of region.peers) {
        const store = this.storeMap.get(peer.storeId);
        if (store && isAlive(store)) continue;
        const seconds = store ? Math.floor(downTimeMs(store, now) / 1000) : 0;
        downPeers.push({ peer, downSeconds: seconds });
      }
      if (downPeers.length > 0) out.push({ region, downPeers });
    }
    return out;
  }

  /** Regions with fewer peers than max-replicas: PD's replica checker has not added them all yet. */
  missPeerRegions(): Region[] {
    return this.regionList.filter((r) => r.peers.length < this.replicationConfig.maxReplicas);
  }

  // ---- time and safety ----------------------------------------------------------------------------------

  /** One scheduling round. Without a PD leader nothing is scheduled; Raft still elects region leaders. */
  tick(): TickReport {
    this.ticks += 1;
    const serving = this.memberSet.hasQuorum();
    if (serving) this.registerPending();
    const state = this.schedulingState();
    const report: TickReport = {
      elected: electLeaders(state),
      replicaChanges: 0,
      buried: [],
      leadersEvicted: 0,
      leadersBalanced: 0,
      scheduled: serving,
    };
    if (serving) {
      report.replicaChanges = repairReplicas(state, this.knobs.peerMovesPerTick);
      report.buried = buryEmptyStores(state).map((s) => s.id);
      report.leadersEvicted = evictLeaders(state, this.knobs.evictLeaderBatch);
      if (this.schedulerNames.includes('balance-leader-scheduler')) {
        report.leadersBalanced = balanceLeaders(state, this.knobs.leaderBalancePerTick);
      }
    }
    this.observeSafety();
    return report;
  }

  safety(): SafetyReport {
    return this.ledger.report();
  }

  rejections(): Rejection[] {
    return this.rejectionList.map((r) => ({ ...r }));
  }

  /** Stores waiting for PD to serve before they can register. */
  pendingStores(): string[] {
    return [...this.pending.keys()];
  }

  // ---- internals ----------------------------------------------------------------------------------------

  private registerStore(spec: StoreSpec): StoreStartResult {
    const now = this.now();
    const sameData = this.stores()
      .reverse()
      .find((s) => s.address === spec.address && s.dataId === spec.dataId && !s.dataDestroyed);
    if (sameData) {
      if (sameData.state === 'Tombstone') {
        return { status: 'rejected', reason: `store ${sameData.id} is tombstone, the TiKV on its data cannot start` };
      }
      if (sameData.running) return { status: 'running', store: sameData };
      sameData.running = true;
      sameData.startedAtMs = now;
      if (spec.labels) sameData.labels = mergeLabels(sameData.labels, labelList(spec.labels));
      return { status: 'restarted', store: sameData };
    }
    const conflict = this.stores().find(
      (s) => s.address === spec.address && s.state !== 'Tombstone' && !s.physicallyDestroyed,
    );
    if (conflict) {
      return {
        status: 'rejected',
        reason: `duplicated store address: ${spec.address}, already registered by store ${conflict.id}`,
      };
    }
    const store: StoreRecord = {
      id: this.alloc.alloc(),
      address: spec.address,
      statusAddress: spec.statusAddress ?? '',
      version: spec.version ?? this.knobs.tikvVersion,
      gitHash: '',
      deployPath: '/',
      labels: labelList(spec.labels ?? {}),
      state: 'Up',
      physicallyDestroyed: false,
      dataId: spec.dataId,
      dataDestroyed: false,
      running: true,
      startedAtMs: now,
      stoppedAtMs: now,
    };
    const bootstrapping = this.storeMap.size === 0;
    this.storeMap.set(store.id, store);
    if (bootstrapping) this.bootstrapRegions(store);
    return { status: 'registered', store };
  }

  /** The first TiKV bootstraps the cluster; its initial regions start with one replica on it. */
  private bootstrapRegions(store: StoreRecord): void {
    this.regionList = regionKeys(this.knobs.regionCount).map(({ startKey, endKey }) => {
      const regionId = this.alloc.alloc();
      const peer: Peer = { id: this.alloc.alloc(), storeId: store.id };
      return { id: regionId, startKey, endKey, confVer: 1, version: 1, peers: [peer], leaderPeerId: peer.id };
    });
  }

  private liveStoreAt(address: string): StoreRecord | undefined {
    return this.stores()
      .reverse()
      .find((s) => s.address === address && s.state !== 'Tombstone');
  }

  /** PD's checkTikvReplicaBeforeOfflineStore: counts stores in state Up, whatever their heartbeats say. */
  private checkReplicasBeforeOffline(store: StoreRecord): void {
    const up = this.stores().filter((s) => s.state === 'Up');
    const remaining = up.length - 1;
    const maxReplicas = this.replicationConfig.maxReplicas;
    if (remaining < maxReplicas) throw pdErrors.storesNotEnough(store.id, remaining, maxReplicas);
    const others = up.filter((s) => s.id !== store.id);
    if (others.length > 0 && others.every((s) => this.evictStores.includes(s.id))) {
      throw pdErrors.noStoreForRegionLeader(store.id);
    }
  }

  private checkStrictLabels(labels: StoreLabel[]): void {
    if (!this.replicationConfig.strictlyMatchLabel) return;
    const locationLabels = this.replicationConfig.locationLabels;
    for (const key of locationLabels) {
      if (!labels.some((l) => l.key === key && l.value !== '')) {
        throw pdErrors.invalidInput(`label configuration is incorrect, need to specify the key: ${key} `);
      }
    }
    for (const l of labels) {
      if (l.key !== ENGINE_LABEL && !locationLabels.includes(l.key)) {
        throw pdErrors.invalidInput(`key matching the label was not found in the PD, store label key: ${l.key} `);
      }
    }
  }

  private registerPending(): void {
    for (const spec of [...this.pending.values()]) {
      this.pending.delete(spec.address);
      const result = this.registerStore(spec);
      if (result.status === 'rejected') this.reject('tikv', spec.address, result.reason);
    }
  }

  private afterChange(): void {
    if (this.pending.size > 0 && this.memberSet.hasQuorum()) this.registerPending();
    this.observeSafety();
  }

  private observeSafety(): void {
    const health = this.regionList.map((region) => {
      let alive = 0;
      let withData = 0;
      for (const peer of region.peers) {
        const store = this.storeMap.get(peer.storeId);
        if (!store) continue;
        if (isAlive(store)) alive += 1;
        if (!store.dataDestroyed) withData += 1;
      }
      return { regionId: region.id, peers: region.peers.length, alivePeers: alive, peersWithData: withData };
    });
    this.ledger.observeRegions(health, this.now());
  }

  private schedulingState(): SchedulingState {
    return {
      stores: this.storeMap,
      regions: this.regionList,
      evictLeaderStores: this.evictStores,
      rules: {
        locationLabels: this.replicationConfig.locationLabels,
        isolationLevel: this.replicationConfig.isolationLevel,
      },
      maxReplicas: this.replicationConfig.maxReplicas,
      maxStoreDownTimeMs: this.scheduleConfig.maxStoreDownTimeMs,
      nowMs: this.now(),
      allocId: () => this.alloc.alloc(),
      isLost: (id) => this.ledger.isLost(id),
    };
  }

  private reject(component: 'pd' | 'tikv', subject: string, reason: string): void {
    // A crash-looping process retries the same start: record it once until something else happens.
    const last = this.rejectionList.at(-1);
    if (last && last.component === component && last.subject === subject && last.reason === reason) return;
    this.rejectionList.push({ atMs: this.now(), component, subject, reason });
    if (this.rejectionList.length > 100) this.rejectionList.shift();
  }
}

function labelList(labels: Record<string, string>): StoreLabel[] {
  return Object.entries(labels).map(([key, value]) => ({ key, value }));
}

/** Convenience for tests and the control API: how many of a region's peers are alive and whether it has quorum. */
export function regionAvailability(model: PdClusterModel, region: Region): { alive: number; hasQuorum: boolean } {
  const alive = region.peers.filter((p) => {
    const s = model.store(p.storeId);
    return s !== undefined && isAlive(s);
  }).length;
  return { alive, hasQuorum: alive >= quorum(region.peers.length) };
}
