// The groups of one cluster, of every component: what `ComponentContext.groups` holds, what the cluster
// reconciler aggregates and what upgrade ordering checks. Read from the group informers through their
// `spec.cluster.name` index.
import type { Informer } from '../cache/informer.ts';
import type { GroupObject } from '../plugin/contract.ts';
import { lookup } from './indexes.ts';

/** Groups of the cluster `namespace/cluster`, by component name (every registered component has an entry). */
export type GroupsOfCluster = (namespace: string, cluster: string) => ReadonlyMap<string, readonly GroupObject[]>;

/** Builds the lookup over one group informer per component (each must carry the `cluster` index). */
export function groupsOfClusterFrom(informers: ReadonlyMap<string, Informer<GroupObject>>): GroupsOfCluster {
  return (namespace, cluster) => {
    const out = new Map<string, GroupObject[]>();
    for (const [component, informer] of informers) {
      out.set(
        component,
        lookup(informer, 'cluster', cluster, namespace).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name)),
      );
    }
    return out;
  };
}
