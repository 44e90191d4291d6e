// The live migration (join-and-drain) as a pure planner: from what is observed now, the next action. Run again
// after every action, it walks the phases below in order; a phase that is done is skipped, so a run that stopped
// anywhere (Ctrl-C, a crash, a refusal fixed by hand) continues where it stopped. All state lives in the API
// objects and in PD.
//
//   check preconditions             only before the new Cluster exists: PD healthy, every store Up, no down
//                                   peers, no evict-leader scheduler, the legacy operator stopped, ...
//   convert the TikvCluster         the converter, groups <name>-pdg / <name>-kvg; warnings need --accept-warnings
//   create the Cluster and PDGroup  the PDGroup with spec.join = the legacy PD Service: it never bootstraps
//   wait for the new PD members     every new member healthy in PD, the Cluster's status.id = the legacy id
//   transfer PD leadership          to a new member
//   create the TiKVGroup            only now: its stores can only meet the PD cluster the new members joined
//   wait for the new TiKV stores    every new store Up
//   remove the legacy stores        one at a time from the highest ordinal: evict leaders, delete the store in
//                                   PD, wait for Tombstone, then lower the StatefulSet (its Pod goes)
//   remove the legacy PD members    one at a time from the highest ordinal: leadership away, quorum kept, delete
//                                   the member in PD, then lower the StatefulSet
//   delete the legacy StatefulSets  and, with --delete-volumes, their PVCs
//   mark the TikvCluster converted  status.converted/convertedAt/convertedTo, when its CRD is served
//
// Whatever the phase, once the migration started: PD and the new Cluster must answer with the PD cluster id the
// migration recorded when it began (annotation on the Cluster), else it stops and touches nothing.
import { API_GROUP_VERSION } from '../../../core/api/api-version.ts';
import { peerServiceName } from '../../../core/api/names.ts';
import type { MemberView, PdSnapshot, StoreView } from '../../pd/client/snapshot.ts';
import { chooseLeaderTarget } from '../../pd/protocols/leadership.ts';
import { decideMemberRemoval } from '../../pd/protocols/scale-in.ts';
import { storeAddress } from '../../tikv/config.ts';
import { evictionNeeded, evictionProgress } from '../../tikv/protocols/leader-eviction.ts';
import { scaleInVerdict } from '../../tikv/protocols/scale-in.ts';
import { isStoreAlive, tikvView } from '../../tikv/view.ts';
import { LEGACY_KIND } from '../api.ts';
import {
  CONVERTED_FROM_ANNOTATION,
  type ConvertedObject,
  convertedFromValue,
  convertTikvCluster,
  LegacyConversionError,
  type TikvClusterConversion,
} from '../convert.ts';
import {
  type LegacyComponent,
  legacyMemberName,
  legacyNames,
  legacyOrdinalOf,
  legacyPdUrl,
  legacyStoreAddress,
} from '../objects.ts';
import {
  isPdReading,
  type MigrationOptions,
  type MigrationTarget,
  type ObservedState,
  type PdReading,
} from './state.ts';

/** On the new Cluster: the PD cluster id of the legacy cluster when the migration began. */
export const MIGRATION_CLUSTER_ID_ANNOTATION = 'tikv.org/migration-pd-cluster-id';

export const migrationPhases = {
  preconditions: 'check preconditions',
  convert: 'convert the TikvCluster',
  createPd: 'create the Cluster and the PDGroup',
  waitPd: 'wait for the new PD members',
  transferLeader: 'transfer PD leadership',
  createTikv: 'create the TiKVGroup',
  waitTikv: 'wait for the new TiKV stores',
  removeStores: 'remove the legacy stores',
  removeMembers: 'remove the legacy PD members',
  deleteLegacy: 'delete the legacy StatefulSets',
  markConverted: 'mark the TikvCluster converted',
} as const;
export type MigrationPhase = (typeof migrationPhases)[keyof typeof migrationPhases];

export type MigrationAction =
  | { kind: 'done' }
  /** A precondition failed, or an invariant broke: nothing is done, the command exits. */
  | { kind: 'refuse'; reason: string }
  | { kind: 'wait'; reason: string }
  | { kind: 'create'; objects: ConvertedObject<unknown>[] }
  | { kind: 'transferPdLeader'; from: string; to: string }
  | { kind: 'evictLeaders'; storeId: string; address: string }
  | { kind: 'deleteStore'; storeId: string; address: string; note?: string }
  | { kind: 'removeEvictLeaderScheduler'; storeId: string }
  | { kind: 'scaleStatefulSet'; component: LegacyComponent; name: string; from: number; to: number; reason: string }
  | { kind: 'deletePdMember'; name: string }
  | { kind: 'deleteStatefulSet'; component: LegacyComponent; name: string }
  | { kind: 'deleteClaims'; names: string[] }
  | { kind: 'markConverted'; convertedTo: { apiVersion: string; cluster: string; pdGroup: string; tikvGroup: string } };

export interface PlannedStep {
  phase: MigrationPhase;
  action: MigrationAction;
}

export interface PhaseReport {
  phase: MigrationPhase;
  status: 'done' | 'next' | 'pending';
  detail: string;
}

// ---- the new objects ---------------------------------------------------------------------------------------

export interface MigrationObjects {
  conversion: TikvClusterConversion;
  cluster: ConvertedObject<unknown>;
  pdGroup: ConvertedObject<unknown>;
  tikvGroup: ConvertedObject<unknown>;
}

/**
 * The converter's objects, made to join: the PDGroup gets `spec.join` (the legacy PD Service, which every
 * legacy TiKV uses), the Cluster records the PD cluster id and is never created paused (the new groups must run
 * for the migration to make progress).
 */
export function migrationObjects(
  target: MigrationTarget,
  tikvCluster: unknown,
  clusterId: string,
): MigrationObjects | { error: string } {
  let conversion: TikvClusterConversion;
  try {
    conversion = convertTikvCluster(tikvCluster, { name: target.cluster, groupNaming: 'distinct' });
  } catch (error) {
    if (error instanceof LegacyConversionError) return { error: error.message };
    throw error;
  }
  const cluster = structuredClone(conversion.cluster) as ConvertedObject<Record<string, unknown>>;
  delete cluster.spec.paused;
  cluster.metadata.annotations = { ...cluster.metadata.annotations, [MIGRATION_CLUSTER_ID_ANNOTATION]: clusterId };
  const pdGroup = structuredClone(conversion.pdGroup) as ConvertedObject<Record<string, unknown>>;
  pdGroup.spec.join = legacyPdUrl(target.legacyName, target.namespace);
  return { conversion, cluster, pdGroup, tikvGroup: structuredClone(conversion.tikvGroup) };
}

/** The new Cluster exists and this migration created it. */
function started(state: ObservedState): boolean {
  return state.cluster?.annotations[CONVERTED_FROM_ANNOTATION] === convertedFromValue(state.target.legacyName);
}

// ---- reading PD --------------------------------------------------------------------------------------------

const legacyMembersOf = (target: MigrationTarget, snapshot: PdSnapshot): MemberView[] =>
  [...snapshot.members.values()].filter((m) => legacyOrdinalOf(target.legacyName, 'pd', m.name) !== undefined);

const legacyStoresOf = (target: MigrationTarget, snapshot: PdSnapshot): StoreView[] =>
  [...snapshot.stores.values()].filter((s) => legacyOrdinalOf(target.legacyName, 'tikv', s.address) !== undefined);

function newStoreAddress(target: MigrationTarget, instance: string): string {
  return storeAddress(instance, peerServiceName(target.tikvGroup), target.namespace);
}

function describeStore(store: StoreView): string {
  return `store ${store.id} (${store.address.split('.')[0]})`;
}

// ---- preconditions -----------------------------------------------------------------------------------------

/** Everything that must hold before the migration creates anything, one sentence each; empty when all hold. */
export function preconditionProblems(state: ObservedState, options: MigrationOptions): string[] {
  const { target } = state;
  const problems: string[] = [];
  const where = `${target.namespace}/${target.legacyName}`;
  if (!state.tikvCluster) {
    problems.push(
      `${LEGACY_KIND} ${where} not found: install the corrected CRD (crds/legacy) so it can be read, or pass it with -f`,
    );
  }
  for (const component of ['pd', 'tikv'] as const) {
    const { statefulSet, pods } = state.legacy[component];
    const name = legacyNames.statefulSet(target.legacyName, component);
    if (!statefulSet) {
      problems.push(`StatefulSet ${target.namespace}/${name} not found`);
      continue;
    }
    const ready = pods.filter((p) => p.ready && !p.terminating).length;
    if (statefulSet.replicas === 0 || ready !== statefulSet.replicas || pods.length !== statefulSet.replicas) {
      problems.push(`StatefulSet ${name}: ${ready} of ${statefulSet.replicas} Pods ready (${pods.length} exist)`);
    }
  }
  const pd = state.pd;
  if (!isPdReading(pd)) {
    problems.push(`PD at ${pd.url} does not answer: ${pd.error}`);
  } else {
    problems.push(...pdProblems(state, pd));
  }
  if (state.legacyOperator.kind === 'checked' && state.legacyOperator.running.length > 0) {
    problems.push(
      `the legacy tikv-operator runs (Deployment ${state.legacyOperator.running.join(', ')}): scale it to 0 first, it would recreate what the migration removes`,
    );
  } else if (state.legacyOperator.kind === 'unknown' && !options.legacyOperatorStopped) {
    problems.push(
      `cannot check whether the legacy tikv-operator runs (${state.legacyOperator.reason}): scale it to 0 and pass --legacy-operator-stopped`,
    );
  }
  return problems;
}

function pdProblems(state: ObservedState, pd: PdReading): string[] {
  const { target } = state;
  const { snapshot } = pd;
  const problems: string[] = [];
  const statefulSet = legacyNames.statefulSet(target.legacyName, 'pd');
  if (snapshot.leader === undefined) problems.push('PD has no leader');
  for (const m of snapshot.members.values()) {
    if (!m.health) problems.push(`PD member ${m.name} is not healthy`);
    if (legacyOrdinalOf(target.legacyName, 'pd', m.name) === undefined) {
      problems.push(`PD member ${m.name} is not a Pod of StatefulSet ${statefulSet} (a failover leftover?)`);
    }
  }
  const recorded = state.tikvCluster?.clusterId;
  if (recorded && snapshot.clusterId !== undefined && recorded !== snapshot.clusterId) {
    problems.push(`the ${LEGACY_KIND} recorded PD cluster id ${recorded}, but PD answers with ${snapshot.clusterId}`);
  }
  for (const s of snapshot.stores.values()) {
    if (s.state === 'Tombstone') continue;
    if (legacyOrdinalOf(target.legacyName, 'tikv', s.address) === undefined) {
      problems.push(
        `${describeStore(s)} at ${s.address} is not a store of StatefulSet ${legacyNames.statefulSet(target.legacyName, 'tikv')}`,
      );
    }
    const stateName = s.stateName;
    if (!isStoreAlive(s)) problems.push(`${describeStore(s)} is ${stateName}, not Up`);
  }
  if (pd.downPeerRegions > 0) problems.push(`${pd.downPeerRegions} regions have down peers`);
  if (snapshot.evictLeaderStoreIds.length > 0) {
    problems.push(
      `PD evicts the leaders of store ${snapshot.evictLeaderStoreIds.join(', ')} (an evict-leader scheduler an interrupted upgrade left behind?): remove it with pd-ctl scheduler remove evict-leader-scheduler`,
    );
  }
  return problems;
}

// ---- phases ------------------------------------------------------------------------------------------------

interface PhaseContext {
  state: ObservedState;
  options: MigrationOptions;
  pd: PdReading | undefined;
  /** The PD cluster id the migration keeps: recorded on the Cluster, else PD's now. */
  clusterId: string | undefined;
}

interface PhaseDefinition {
  phase: MigrationPhase;
  /** What it does, for the plan (dry run). */
  describe(ctx: PhaseContext): string;
  done(ctx: PhaseContext): boolean;
  /** The next action while not done. */
  next(ctx: PhaseContext): MigrationAction;
}

const needPd = (ctx: PhaseContext): PdReading | { kind: 'wait'; reason: string } =>
  ctx.pd ?? {
    kind: 'wait',
    reason: `PD does not answer: ${isPdReading(ctx.state.pd) ? '' : ctx.state.pd.error}`,
  };

function isWait(value: PdReading | { kind: 'wait'; reason: string }): value is { kind: 'wait'; reason: string } {
  return 'kind' in value;
}

const phases: PhaseDefinition[] = [
  {
    phase: migrationPhases.preconditions,
    describe: () => 'PD healthy, every store Up, no down peers, no evict-leader scheduler, legacy operator stopped',
    done: (ctx) => started(ctx.state) || preconditionProblems(ctx.state, ctx.options).length === 0,
    next: (ctx) => ({ kind: 'refuse', reason: preconditionProblems(ctx.state, ctx.options).join('; ') }),
  },
  {
    phase: migrationPhases.convert,
    describe: (ctx) => {
      const objects = objectsOf(ctx);
      if ('error' in objects) return objects.error;
      const n = objects.conversion.warnings.length;
      return `Cluster ${ctx.state.target.cluster}, PDGroup ${ctx.state.target.pdGroup}, TiKVGroup ${ctx.state.target.tikvGroup}; ${n} warning${n === 1 ? '' : 's'}`;
    },
    done: (ctx) => {
      if (started(ctx.state)) return true;
      const objects = objectsOf(ctx);
      return !('error' in objects) && (objects.conversion.warnings.length === 0 || ctx.options.acceptWarnings);
    },
    next: (ctx) => {
      const objects = objectsOf(ctx);
      if ('error' in objects) return { kind: 'refuse', reason: objects.error };
      return {
        kind: 'refuse',
        reason: `the converter reports ${objects.conversion.warnings.length} setting(s) it does not carry as they were: review them (tikv-operator migrate convert) and pass --accept-warnings`,
      };
    },
  },
  {
    phase: migrationPhases.createPd,
    describe: (ctx) =>
      `PDGroup ${ctx.state.target.pdGroup} joins ${legacyPdUrl(ctx.state.target.legacyName, ctx.state.target.namespace)} (spec.join), never bootstraps`,
    done: (ctx) => started(ctx.state) && ctx.state.pdGroup !== undefined,
    next: (ctx) => createObjects(ctx, ['cluster', 'pdGroup']),
  },
  {
    phase: migrationPhases.waitPd,
    describe: (ctx) =>
      `${ctx.state.pdGroup?.replicas ?? 'the'} new members healthy in PD cluster ${ctx.clusterId ?? '?'}`,
    done: (ctx) => newPdWaitReason(ctx) === undefined,
    next: (ctx) => ({ kind: 'wait', reason: newPdWaitReason(ctx) ?? '' }),
  },
  {
    phase: migrationPhases.transferLeader,
    describe: () => 'from a legacy member to a new one',
    done: (ctx) => {
      const leader = ctx.pd?.snapshot.leader;
      return leader !== undefined && !isLegacyMember(ctx, leader);
    },
    next: (ctx) => {
      const pd = needPd(ctx);
      if (isWait(pd)) return pd;
      const leader = pd.snapshot.leader;
      if (leader === undefined) return { kind: 'wait', reason: 'PD has no leader' };
      return transferFrom(ctx, pd.snapshot, leader);
    },
  },
  {
    phase: migrationPhases.createTikv,
    describe: (ctx) => `TiKVGroup ${ctx.state.target.tikvGroup}, its stores register with the joined PD`,
    done: (ctx) => ctx.state.tikvGroup !== undefined,
    next: (ctx) => createObjects(ctx, ['tikvGroup']),
  },
  {
    phase: migrationPhases.waitTikv,
    describe: (ctx) => `${ctx.state.tikvGroup?.replicas ?? 'the'} new stores Up`,
    done: (ctx) => newTikvWaitReason(ctx) === undefined,
    next: (ctx) => ({ kind: 'wait', reason: newTikvWaitReason(ctx) ?? '' }),
  },
  {
    phase: migrationPhases.removeStores,
    describe: (ctx) => {
      const stores = ctx.pd
        ? legacyStoresOf(ctx.state.target, ctx.pd.snapshot).filter((s) => s.state !== 'Tombstone')
        : [];
      return `${stores.length} left, highest ordinal first: evict leaders, delete in PD, wait for Tombstone, then the Pod`;
    },
    done: (ctx) => legacyStoresRemoved(ctx),
    next: (ctx) => removeLegacyStore(ctx),
  },
  {
    phase: migrationPhases.removeMembers,
    describe: (ctx) => {
      const members = ctx.pd ? legacyMembersOf(ctx.state.target, ctx.pd.snapshot) : [];
      return `${members.length} left, highest ordinal first: leadership away, quorum kept, delete in PD, then the Pod`;
    },
    done: (ctx) => legacyMembersRemoved(ctx),
    next: (ctx) => removeLegacyMember(ctx),
  },
  {
    phase: migrationPhases.deleteLegacy,
    describe: (ctx) =>
      `StatefulSets ${legacyNames.statefulSet(ctx.state.target.legacyName, 'pd')} and ${legacyNames.statefulSet(ctx.state.target.legacyName, 'tikv')}${ctx.options.deleteVolumes ? ' and their PVCs' : ' (PVCs kept)'}`,
    done: (ctx) => deleteLegacyAction(ctx) === undefined,
    next: (ctx) => deleteLegacyAction(ctx) ?? { kind: 'done' },
  },
  {
    phase: migrationPhases.markConverted,
    describe: (ctx) =>
      ctx.state.tikvCluster?.served ? 'status.converted, convertedAt, convertedTo' : 'skipped: its CRD is not served',
    done: (ctx) => !ctx.state.tikvCluster?.served || ctx.state.tikvCluster.converted,
    next: (ctx) => ({
      kind: 'markConverted',
      convertedTo: {
        apiVersion: API_GROUP_VERSION,
        cluster: ctx.state.target.cluster,
        pdGroup: ctx.state.target.pdGroup,
        tikvGroup: ctx.state.target.tikvGroup,
      },
    }),
  },
];

function objectsOf(ctx: PhaseContext): MigrationObjects | { error: string } {
  const source = ctx.state.tikvCluster;
  if (!source) return { error: `${LEGACY_KIND} not found` };
  return migrationObjects(ctx.state.target, source.object, ctx.clusterId ?? '');
}

function createObjects(ctx: PhaseContext, which: readonly ('cluster' | 'pdGroup' | 'tikvGroup')[]): MigrationAction {
  const { state } = ctx;
  const mine = convertedFromValue(state.target.legacyName);
  const foreign = [
    ['Cluster', state.target.cluster, state.cluster?.annotations],
    ['PDGroup', state.target.pdGroup, state.pdGroup?.annotations],
    ['TiKVGroup', state.target.tikvGroup, state.tikvGroup?.annotations],
  ].filter(
    ([, , annotations]) =>
      annotations !== undefined && (annotations as Record<string, string>)[CONVERTED_FROM_ANNOTATION] !== mine,
  );
  if (foreign.length > 0) {
    return {
      kind: 'refuse',
      reason: `${foreign.map(([kind, name]) => `${kind} ${state.target.namespace}/${name}`).join(', ')} exist${foreign.length === 1 ? 's' : ''} and ${foreign.length === 1 ? 'was' : 'were'} not created by the migration of ${mine}: choose another name with --cluster-name`,
    };
  }
  if (ctx.clusterId === undefined) return { kind: 'wait', reason: 'PD has not told its cluster id yet' };
  const objects = objectsOf(ctx);
  if ('error' in objects) return { kind: 'refuse', reason: objects.error };
  const existing = { cluster: state.cluster, pdGroup: state.pdGroup, tikvGroup: state.tikvGroup };
  const missing = which.filter((w) => existing[w] === undefined).map((w) => objects[w]);
  return missing.length === 0 ? { kind: 'wait', reason: 'the objects exist' } : { kind: 'create', objects: missing };
}

function isLegacyMember(ctx: PhaseContext, name: string): boolean {
  return legacyOrdinalOf(ctx.state.target.legacyName, 'pd', name) !== undefined;
}

/** Leadership from `leader` to the healthiest new member (the PD plugin's choice among the new members only). */
function transferFrom(ctx: PhaseContext, snapshot: PdSnapshot, leader: string): MigrationAction {
  const candidates = (ctx.state.pdGroup?.instances ?? []).map((i) => ({
    name: i.name,
    healthy: snapshot.members.get(i.name)?.health === true && i.ready,
    upToDate: true,
    readySinceMs: undefined,
  }));
  const to = chooseLeaderTarget(leader, candidates);
  if (to === undefined)
    return { kind: 'wait', reason: `no new PD member is healthy to take leadership over from ${leader}` };
  return { kind: 'transferPdLeader', from: leader, to };
}

function newPdWaitReason(ctx: PhaseContext): string | undefined {
  const group = ctx.state.pdGroup;
  if (!group) return 'the PDGroup does not exist';
  const pd = needPd(ctx);
  if (isWait(pd)) return pd.reason;
  const joined = group.instances.filter((i) => pd.snapshot.members.get(i.name)?.health === true && i.ready);
  if (group.instances.length < group.replicas || joined.length < group.replicas) {
    return `${joined.length} of ${group.replicas} new PD members joined PD cluster ${ctx.clusterId} and are healthy`;
  }
  const published = ctx.state.cluster?.statusId;
  if (published === undefined) return `the Cluster has not published the PD cluster id yet`;
  return undefined;
}

function newTikvWaitReason(ctx: PhaseContext): string | undefined {
  const group = ctx.state.tikvGroup;
  if (!group) return 'the TiKVGroup does not exist';
  const pd = needPd(ctx);
  if (isWait(pd)) return pd.reason;
  const up = group.instances.filter(
    (i) => i.ready && isStoreAlive(pd.snapshot.stores.get(newStoreAddress(ctx.state.target, i.name))),
  );
  if (group.instances.length < group.replicas || up.length < group.replicas) {
    return `${up.length} of ${group.replicas} new TiKV stores Up`;
  }
  return undefined;
}

// ---- legacy stores -----------------------------------------------------------------------------------------

function legacyStoresRemoved(ctx: PhaseContext): boolean {
  const tikv = ctx.state.legacy.tikv;
  if ((tikv.statefulSet?.replicas ?? 0) > 0 || tikv.pods.length > 0) return false;
  if (!ctx.pd) return false;
  return legacyStoresOf(ctx.state.target, ctx.pd.snapshot).every((s) => s.state === 'Tombstone' && !s.evicting);
}

/** The next legacy store to remove: the highest ordinal among the StatefulSet's Pods and PD's live legacy stores. */
function removeLegacyStore(ctx: PhaseContext): MigrationAction {
  const pd = needPd(ctx);
  if (isWait(pd)) return pd;
  const { target } = ctx.state;
  const { snapshot } = pd;
  const legacyStores = legacyStoresOf(target, snapshot);
  // Leftovers of an earlier run first: a buried store still held by the evict-leader scheduler.
  const buriedEvicting = legacyStores.find((s) => s.state === 'Tombstone' && s.evicting);
  if (buriedEvicting) return { kind: 'removeEvictLeaderScheduler', storeId: buriedEvicting.id };
  const replicas = ctx.state.legacy.tikv.statefulSet?.replicas ?? 0;
  const live = legacyStores.filter((s) => s.state !== 'Tombstone');
  const ordinals = [replicas - 1, ...live.map((s) => legacyOrdinalOf(target.legacyName, 'tikv', s.address) ?? -1)];
  const ordinal = Math.max(...ordinals);
  if (ordinal < 0) {
    return {
      kind: 'wait',
      reason: `the StatefulSet removes the last legacy TiKV Pods (${ctx.state.legacy.tikv.pods.length} left)`,
    };
  }
  const address = legacyStoreAddress(target.legacyName, ordinal, target.namespace);
  const store = snapshot.stores.get(address);
  const pod = legacyNames.pod(target.legacyName, 'tikv', ordinal);
  if (!store || store.state === 'Tombstone') {
    // Its store is buried (or it never had one): its Pod may go.
    if (ordinal === replicas - 1) {
      return {
        kind: 'scaleStatefulSet',
        component: 'tikv',
        name: legacyNames.statefulSet(target.legacyName, 'tikv'),
        from: replicas,
        to: replicas - 1,
        reason: store ? `${describeStore(store)} is Tombstone: ${pod} may go` : `${pod} has no store in PD`,
      };
    }
    return { kind: 'wait', reason: `waiting for PD to show the state of ${pod}'s store` };
  }
  if (store.state === 'Offline') {
    return { kind: 'wait', reason: `PD moves the regions off ${describeStore(store)}: ${store.regionCount} left` };
  }
  return removeUpStore(ctx, pd, store);
}

/** Evict its leaders, then delete it in PD: never below max-replicas Up stores, never while others have down peers. */
function removeUpStore(ctx: PhaseContext, pd: PdReading, store: StoreView): MigrationAction {
  const { snapshot } = pd;
  const downElsewhere = [...snapshot.stores.values()].filter((s) => s.id !== store.id && s.downPeers > 0);
  if (downElsewhere.length > 0) {
    return {
      kind: 'wait',
      reason: `${downElsewhere.map(describeStore).join(', ')} ha${downElsewhere.length === 1 ? 's' : 've'} down peers: ${describeStore(store)} waits`,
    };
  }
  const up = [...snapshot.stores.values()].filter(isStoreAlive);
  const verdict = scaleInVerdict({
    maxReplicas: pd.maxReplicas,
    upStores: up.length,
    count: isStoreAlive(store) ? 1 : 0,
  });
  if (!verdict.ok) return { kind: 'wait', reason: `${describeStore(store)} stays for now: ${verdict.reason}` };
  const need = evictionNeeded(tikvView(snapshot, pd.url, store.address));
  if (need.evict && !store.evicting) return { kind: 'evictLeaders', storeId: store.id, address: store.address };
  if (store.evicting && store.leaderCount > 0 && isStoreAlive(store)) {
    const progress = evictionProgress({
      leaderCount: store.leaderCount,
      startedAtMs: ctx.state.evictionStartedAt.get(store.id) ?? ctx.state.nowMs,
      nowMs: ctx.state.nowMs,
      timeoutMs: ctx.options.evictLeaderTimeoutMs,
    });
    if (progress.kind === 'waiting') {
      return { kind: 'wait', reason: `evicting the leaders of ${describeStore(store)}: ${store.leaderCount} left` };
    }
    if (progress.kind === 'timedOut') {
      return {
        kind: 'deleteStore',
        storeId: store.id,
        address: store.address,
        note: `${store.leaderCount} leaders were still on it when the eviction timeout passed`,
      };
    }
  }
  return { kind: 'deleteStore', storeId: store.id, address: store.address };
}

// ---- legacy PD members -------------------------------------------------------------------------------------

function legacyMembersRemoved(ctx: PhaseContext): boolean {
  const legacyPd = ctx.state.legacy.pd;
  if ((legacyPd.statefulSet?.replicas ?? 0) > 0 || legacyPd.pods.length > 0) return false;
  return ctx.pd !== undefined && legacyMembersOf(ctx.state.target, ctx.pd.snapshot).length === 0;
}

function removeLegacyMember(ctx: PhaseContext): MigrationAction {
  const pd = needPd(ctx);
  if (isWait(pd)) return pd;
  const { target } = ctx.state;
  const { snapshot } = pd;
  const replicas = ctx.state.legacy.pd.statefulSet?.replicas ?? 0;
  const members = legacyMembersOf(target, snapshot);
  const ordinal = Math.max(replicas - 1, ...members.map((m) => legacyOrdinalOf(target.legacyName, 'pd', m.name) ?? -1));
  if (ordinal < 0) {
    return {
      kind: 'wait',
      reason: `the StatefulSet removes the last legacy PD Pods (${ctx.state.legacy.pd.pods.length} left)`,
    };
  }
  const name = legacyMemberName(target.legacyName, ordinal);
  if (!snapshot.members.has(name)) {
    if (ordinal === replicas - 1) {
      return {
        kind: 'scaleStatefulSet',
        component: 'pd',
        name: legacyNames.statefulSet(target.legacyName, 'pd'),
        from: replicas,
        to: replicas - 1,
        reason: `PD no longer lists ${name}`,
      };
    }
    return { kind: 'wait', reason: `waiting for PD to show whether it lists ${name}` };
  }
  if (snapshot.leader === name) return transferFrom(ctx, snapshot, name);
  // Every member counts for the quorum, with PD's own health.
  const removal = decideMemberRemoval(
    name,
    [...snapshot.members.values()].map((m) => ({ name: m.name, healthy: m.health })),
  );
  if (removal.kind === 'wait') return { kind: 'wait', reason: removal.reason };
  if (removal.kind === 'done') return { kind: 'wait', reason: removal.reason };
  return { kind: 'deletePdMember', name };
}

// ---- legacy objects ----------------------------------------------------------------------------------------

function deleteLegacyAction(ctx: PhaseContext): MigrationAction | undefined {
  for (const component of ['tikv', 'pd'] as const) {
    const { statefulSet, pods } = ctx.state.legacy[component];
    if (statefulSet && statefulSet.replicas === 0 && pods.length === 0) {
      return {
        kind: 'deleteStatefulSet',
        component,
        name: legacyNames.statefulSet(ctx.state.target.legacyName, component),
      };
    }
  }
  if (ctx.options.deleteVolumes) {
    const claims = [...ctx.state.legacy.tikv.claims, ...ctx.state.legacy.pd.claims];
    if (claims.length > 0) return { kind: 'deleteClaims', names: claims };
  }
  return undefined;
}

// ---- the planner -------------------------------------------------------------------------------------------

function phaseContext(state: ObservedState, options: MigrationOptions): PhaseContext {
  const pd = isPdReading(state.pd) ? state.pd : undefined;
  const recorded = state.cluster?.annotations[MIGRATION_CLUSTER_ID_ANNOTATION];
  return { state, options, pd, clusterId: started(state) && recorded ? recorded : pd?.snapshot.clusterId };
}

/**
 * Once started, the one thing that must never change: the PD cluster id. PD (through whichever URL answered) and
 * the new Cluster's status must both show the id recorded when the migration began.
 */
function clusterIdProblem(ctx: PhaseContext): string | undefined {
  if (!started(ctx.state)) return undefined;
  const recorded = ctx.state.cluster?.annotations[MIGRATION_CLUSTER_ID_ANNOTATION];
  if (!recorded)
    return `the Cluster has no ${MIGRATION_CLUSTER_ID_ANNOTATION} annotation: it was not created by this command`;
  const answered = ctx.pd?.snapshot.clusterId;
  const published = ctx.state.cluster?.statusId;
  for (const [who, id] of [
    ['PD', answered],
    ['the new Cluster (status.id)', published],
  ] as const) {
    if (id !== undefined && id !== recorded) {
      return `${who} shows PD cluster id ${id}, but the migration began on ${recorded}: stopping without touching anything (a PD group that bootstrapped a second cluster?)`;
    }
  }
  return undefined;
}

/** The next step: the first phase not done, and what it needs now. */
export function planNext(state: ObservedState, options: MigrationOptions): PlannedStep {
  const ctx = phaseContext(state, options);
  for (const definition of phases) {
    if (definition.done(ctx)) continue;
    const problem = clusterIdProblem(ctx);
    if (problem) return { phase: definition.phase, action: { kind: 'refuse', reason: problem } };
    return { phase: definition.phase, action: definition.next(ctx) };
  }
  return { phase: migrationPhases.markConverted, action: { kind: 'done' } };
}

/** Every phase with its state (the dry run's plan). */
export function describePlan(state: ObservedState, options: MigrationOptions): PhaseReport[] {
  const ctx = phaseContext(state, options);
  let nextFound = false;
  return phases.map((definition) => {
    const done = !nextFound && definition.done(ctx);
    const status = done ? 'done' : nextFound ? 'pending' : 'next';
    if (!done) nextFound = true;
    return { phase: definition.phase, status, detail: definition.describe(ctx) };
  });
}

/** One line per action, as the command prints its progress. */
export function describeAction(action: MigrationAction): string {
  switch (action.kind) {
    case 'done':
      return 'done';
    case 'refuse':
      return `refused: ${action.reason}`;
    case 'wait':
      return `waiting: ${action.reason}`;
    case 'create':
      return `creating ${action.objects.map((o) => `${o.kind} ${o.metadata.name}`).join(', ')}`;
    case 'transferPdLeader':
      return `transferring PD leadership from ${action.from} to ${action.to}`;
    case 'evictLeaders':
      return `evicting the leaders of store ${action.storeId} (${action.address})`;
    case 'deleteStore':
      return `deleting store ${action.storeId} (${action.address}) in PD${action.note ? `: ${action.note}` : ''}`;
    case 'removeEvictLeaderScheduler':
      return `removing the evict-leader scheduler of store ${action.storeId}`;
    case 'scaleStatefulSet':
      return `scaling StatefulSet ${action.name} from ${action.from} to ${action.to} replicas (${action.reason})`;
    case 'deletePdMember':
      return `deleting PD member ${action.name}`;
    case 'deleteStatefulSet':
      return `deleting StatefulSet ${action.name}`;
    case 'deleteClaims':
      return `deleting the legacy PVCs ${action.names.join(', ')}`;
    case 'markConverted':
      return `marking the ${LEGACY_KIND} converted to Cluster ${action.convertedTo.cluster}`;
  }
}
