// The Cluster's status: an overview of the groups of every component, aggregated from their statuses, plus the
// facts components publish (PD's URL and the cluster id). Pure; the reconciler writes it once.
//
//   components   per component: desired replicas (sum of spec.replicas) and ready replicas (sum of status)
//   Ready        every group Ready (and there is at least one group)
//   Synced       every group Synced for its current generation
//   Progressing  some group is not Synced: scaling, updating or waiting (the group's reason is in the message)
//   Available    every group keeps at least replicas - maxUnavailable (and at least one) instances ready:
//                the floor a rollout never goes below
//   Suspended    suspendCompute in effect and every group suspended; Suspending / Resuming while on the way
import type { Cluster, ClusterStatus, ComponentStatus } from '../../api/cluster.ts';
import { conditionTypes } from '../../api/conditions.ts';
import type { ClusterFacts, GroupObject } from '../../plugin/contract.ts';
import { type Condition, getCondition, setCondition } from '../../tasks/conditions.ts';
import type { GroupStatus } from '../group/group-status.ts';

export const clusterReasons = {
  NoGroups: 'NoGroups',
  AllGroupsReady: 'AllGroupsReady',
  NotAllGroupsReady: 'NotAllGroupsReady',
  AllGroupsSynced: 'AllGroupsSynced',
  NotAllGroupsSynced: 'NotAllGroupsSynced',
  Progressing: 'Progressing',
  Stable: 'Stable',
  Available: 'Available',
  Unavailable: 'Unavailable',
  NotSuspended: 'NotSuspended',
  Suspending: 'Suspending',
  Suspended: 'Suspended',
  Resuming: 'Resuming',
} as const;

export interface ClusterStatusInput {
  cluster: Cluster;
  /** Registered components, in dependency order. */
  components: readonly string[];
  /** The cluster's groups by component. */
  groups: ReadonlyMap<string, readonly GroupObject[]>;
  /** What the components publish, merged. */
  facts: ClusterFacts;
  nowMs: number;
}

function groupStatus(group: GroupObject): GroupStatus {
  return (group.status ?? {}) as GroupStatus;
}

/** A group condition that holds for the group's current generation. */
function holds(group: GroupObject, type: string): boolean {
  const status = groupStatus(group);
  const condition = getCondition(status.conditions, type);
  return (
    condition?.status === 'True' &&
    status.observedGeneration === group.metadata.generation &&
    (condition.observedGeneration === undefined || condition.observedGeneration === group.metadata.generation)
  );
}

function availableFloor(group: GroupObject): number {
  const maxUnavailable = (group.spec.updateStrategy as { maxUnavailable?: number } | undefined)?.maxUnavailable ?? 1;
  return Math.max(1, group.spec.replicas - maxUnavailable);
}

export function computeClusterStatus(input: ClusterStatusInput): ClusterStatus {
  const { cluster } = input;
  const previous = (cluster.status ?? {}) as ClusterStatus;
  const all: { component: string; group: GroupObject }[] = [];
  const components: ComponentStatus[] = input.components.map((name) => {
    const groups = input.groups.get(name) ?? [];
    for (const group of groups) all.push({ component: name, group });
    return {
      name,
      replicas: groups.reduce((n, g) => n + g.spec.replicas, 0),
      readyReplicas: groups.reduce((n, g) => n + (groupStatus(g).readyReplicas ?? 0), 0),
    };
  });
  const label = ({ component, group }: { component: string; group: GroupObject }) =>
    `${component}/${group.metadata.name}`;

  let conditions: Condition[] | undefined = previous.conditions as Condition[] | undefined;
  const generation = cluster.metadata.generation;
  const set = (type: string, value: boolean, reason: string, message: string) => {
    conditions = setCondition(
      conditions,
      { type, status: value ? 'True' : 'False', reason, message, observedGeneration: generation },
      input.nowMs,
    );
  };

  if (all.length === 0) {
    const message = 'the cluster has no groups';
    set(conditionTypes.Ready, false, clusterReasons.NoGroups, message);
    set(conditionTypes.Synced, false, clusterReasons.NoGroups, message);
    set(conditionTypes.Available, false, clusterReasons.NoGroups, message);
    set(conditionTypes.Progressing, false, clusterReasons.NoGroups, message);
  } else {
    const unready = all.filter((g) => !holds(g.group, conditionTypes.Ready)).map(label);
    set(
      conditionTypes.Ready,
      unready.length === 0,
      unready.length === 0 ? clusterReasons.AllGroupsReady : clusterReasons.NotAllGroupsReady,
      unready.length === 0 ? `${all.length} groups ready` : `not ready: ${unready.join(', ')}`,
    );
    const unsynced = all.filter((g) => !holds(g.group, conditionTypes.Synced));
    set(
      conditionTypes.Synced,
      unsynced.length === 0,
      unsynced.length === 0 ? clusterReasons.AllGroupsSynced : clusterReasons.NotAllGroupsSynced,
      unsynced.length === 0 ? `${all.length} groups synced` : `not synced: ${unsynced.map(label).join(', ')}`,
    );
    set(
      conditionTypes.Progressing,
      unsynced.length > 0,
      unsynced.length > 0 ? clusterReasons.Progressing : clusterReasons.Stable,
      unsynced.length > 0
        ? unsynced
            .map((g) => {
              const reason = getCondition(groupStatus(g.group).conditions, conditionTypes.Synced)?.reason;
              return `${label(g)}${reason ? ` (${reason})` : ''}`;
            })
            .join(', ')
        : 'every group runs its current spec',
    );
    const short = all.filter(
      (g) => g.group.spec.replicas > 0 && (groupStatus(g.group).readyReplicas ?? 0) < availableFloor(g.group),
    );
    set(
      conditionTypes.Available,
      short.length === 0,
      short.length === 0 ? clusterReasons.Available : clusterReasons.Unavailable,
      short.length === 0
        ? 'every group has enough ready instances'
        : `too few ready instances: ${short
            .map((g) => `${label(g)} ${groupStatus(g.group).readyReplicas ?? 0}/${g.group.spec.replicas}`)
            .join(', ')}`,
    );
  }

  const suspendCompute = cluster.spec.suspendAction?.suspendCompute === true;
  const groupSuspended = (g: GroupObject) => getCondition(groupStatus(g).conditions, conditionTypes.Suspended);
  if (suspendCompute) {
    const pending = all.filter((g) => groupSuspended(g.group)?.status !== 'True').map(label);
    set(
      conditionTypes.Suspended,
      pending.length === 0,
      pending.length === 0 ? clusterReasons.Suspended : clusterReasons.Suspending,
      pending.length === 0 ? 'every Pod is deleted, volumes are kept' : `suspending: ${pending.join(', ')}`,
    );
  } else {
    const resuming = all
      .filter((g) => {
        const c = groupSuspended(g.group);
        return c?.status === 'True' || c?.reason === clusterReasons.Resuming || c?.reason === clusterReasons.Suspending;
      })
      .map(label);
    set(
      conditionTypes.Suspended,
      false,
      resuming.length > 0 ? clusterReasons.Resuming : clusterReasons.NotSuspended,
      resuming.length > 0 ? `resuming: ${resuming.join(', ')}` : 'compute is not suspended',
    );
  }

  const status: ClusterStatus = {
    ...previous,
    observedGeneration: generation,
    components,
    conditions: conditions as ClusterStatus['conditions'],
  };
  // A published fact stays until a component publishes another value (the cluster id never changes).
  if (input.facts.pd !== undefined) status.pd = input.facts.pd;
  if (input.facts.id !== undefined) status.id = input.facts.id;
  return status;
}
