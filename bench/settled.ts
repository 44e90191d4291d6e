// When is a step done? When the cluster is Ready for the spec the bench just wrote, not for the one before: every
// group has acted on its current generation (at least the one the bench's write produced), all its replicas are
// ready and on the update revision, the Cluster's overview counts those same replicas, and nothing is still
// going away: a group reports Ready as soon as its remaining replicas are, while removed instances may still be
// draining and cleaning up, and that is part of a scale-in. Pure, so the wait loop is a thin shell and the rule
// is tested here.

import { labelKeys } from '../core/api/labels.ts';

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface GroupLike {
  kind?: string;
  metadata: { name: string; namespace?: string; generation?: number };
  spec?: { cluster?: { name?: string }; replicas?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    updatedReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
    conditions?: Condition[];
  };
}

export interface ClusterLike {
  metadata: { name: string; namespace?: string };
  status?: {
    conditions?: Condition[];
    components?: Array<{ name: string; replicas?: number; readyReplicas?: number }>;
  };
}

/** An instance object (PD, TiKV) or a Pod: what matters is whose it is and whether it is going away. */
export interface MemberLike {
  kind?: string;
  metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec?: { cluster?: { name?: string } };
}

export interface Progress {
  settled: boolean;
  /** Why not yet, in words (for timeouts and progress lines); "settled" when it is. */
  reason: string;
}

const isTrue = (conditions: Condition[] | undefined, type: string) =>
  conditions?.some((c) => c.type === type && c.status === 'True') ?? false;

const describeCondition = (conditions: Condition[] | undefined, type: string): string => {
  const c = conditions?.find((x) => x.type === type);
  if (!c) return `no ${type} condition`;
  return `${type}=${c.status}${c.reason ? ` ${c.reason}` : ''}${c.message ? `: ${c.message}` : ''}`;
};

/** `minGeneration`: the generation the bench's own write produced (the informer may still show an older one). */
export function groupProgress(group: GroupLike, minGeneration = 0): Progress {
  const name = `${group.kind ?? 'group'} ${group.metadata.name}`;
  const not = (why: string): Progress => ({ settled: false, reason: `${name}: ${why}` });
  const generation = group.metadata.generation ?? 0;
  const status = group.status ?? {};
  const desired = group.spec?.replicas ?? 0;
  if (generation < minGeneration) return not(`the new spec is not visible yet (generation ${generation})`);
  if (status.observedGeneration !== generation) return not(`generation ${generation} not observed yet`);
  if (!isTrue(status.conditions, 'Synced')) return not(describeCondition(status.conditions, 'Synced'));
  if (!isTrue(status.conditions, 'Ready')) return not(describeCondition(status.conditions, 'Ready'));
  if (status.replicas !== undefined && status.replicas !== desired)
    return not(`${status.replicas}/${desired} replicas`);
  if ((status.readyReplicas ?? 0) !== desired) return not(`ready ${status.readyReplicas ?? 0}/${desired}`);
  if (status.updatedReplicas !== undefined && status.updatedReplicas !== desired) {
    return not(`updated ${status.updatedReplicas}/${desired}`);
  }
  if (status.currentRevision !== undefined && status.currentRevision !== status.updateRevision) {
    return not('current revision is not the update revision yet');
  }
  return { settled: true, reason: 'settled' };
}

/** The groups of the cluster (by `spec.cluster.name`) among `groups`. */
export function groupsOf(cluster: string, groups: readonly GroupLike[]): GroupLike[] {
  return groups.filter((g) => g.spec?.cluster?.name === cluster);
}

export interface ClusterObservation {
  cluster: ClusterLike | undefined;
  /** Groups of any cluster; the cluster's own are picked by `spec.cluster.name`. */
  groups: readonly GroupLike[];
  /** Instance objects of any cluster (by `spec.cluster.name`). */
  instances: readonly MemberLike[];
  /** PD and TiKV Pods of any cluster (by the `tikv.org/cluster` label). */
  pods: readonly MemberLike[];
  /** Per group key: the generation the bench's write produced. */
  minGenerations?: ReadonlyMap<string, number>;
}

export function clusterProgress(observed: ClusterObservation): Progress {
  const { cluster, groups } = observed;
  const minGenerations = observed.minGenerations ?? new Map<string, number>();
  if (!cluster) return { settled: false, reason: 'Cluster not visible yet' };
  const name = `Cluster ${cluster.metadata.name}`;
  const own = groupsOf(cluster.metadata.name, groups);
  if (own.length === 0) return { settled: false, reason: `${name}: no groups yet` };
  for (const g of own) {
    const p = groupProgress(g, minGenerations.get(groupKey(g)) ?? 0);
    if (!p.settled) return p;
  }
  const conditions = cluster.status?.conditions;
  if (!isTrue(conditions, 'Ready'))
    return { settled: false, reason: `${name}: ${describeCondition(conditions, 'Ready')}` };
  const desired = own.reduce((n, g) => n + (g.spec?.replicas ?? 0), 0);
  const components = cluster.status?.components ?? [];
  const counted = components.reduce((n, c) => n + (c.replicas ?? 0), 0);
  const ready = components.reduce((n, c) => n + (c.readyReplicas ?? 0), 0);
  if (counted !== desired || ready !== desired) {
    return { settled: false, reason: `${name}: overview shows ${ready}/${counted} ready, groups want ${desired}` };
  }
  const instances = observed.instances.filter((i) => i.spec?.cluster?.name === cluster.metadata.name);
  const pods = observed.pods.filter((p) => p.metadata.labels?.[clusterLabel] === cluster.metadata.name);
  for (const [what, members] of [
    ['instances', instances],
    ['Pods', pods],
  ] as const) {
    const leaving = members.filter((m) => m.metadata.deletionTimestamp);
    if (leaving.length > 0) {
      return {
        settled: false,
        reason: `${name}: ${leaving.length} ${what} still being removed (${leaving[0]?.metadata.name})`,
      };
    }
    if (members.length !== desired) {
      return { settled: false, reason: `${name}: ${members.length} ${what}, groups want ${desired}` };
    }
  }
  return { settled: true, reason: 'settled' };
}

const clusterLabel = labelKeys.cluster;

/** `<kind>/<namespace>/<name>`: groups of different kinds may share a name. */
export function groupKey(g: GroupLike): string {
  return `${g.kind ?? ''}/${g.metadata.namespace ?? ''}/${g.metadata.name}`;
}
