// Data-plane changes as reconcile keys: a plugin's DataPlaneSource watches one cluster at a time and reports the
// instance names whose data-plane view changed (a PD member's health, a TiKV store's state); this source keeps
// one such watch per Cluster and turns the names into instance keys, so instance reconcilers react to the data
// plane without polling. Used with Controller.watchesSource: the watches run only while the controller runs.
import type { Cluster } from '../api/cluster.ts';
import type { Informer } from '../cache/informer.ts';
import { keyOf } from '../kube/object.ts';
import type { DataPlaneSource } from '../plugin/contract.ts';

/**
 * The `watchesSource` subscription for a plugin's data plane: starts a watch for every Cluster (existing ones
 * too), restarts it when the facts it depends on change (the cluster id, PD's URL), stops it when the Cluster
 * goes or is being deleted, and stops them all on unsubscribe.
 */
export function dataPlaneKeys(clusters: Informer<Cluster>, source: DataPlaneSource) {
  return (emit: (keys: readonly string[]) => void): (() => void) => {
    const watches = new Map<string, { identity: string; stop: () => void }>();
    const stop = (key: string) => {
      watches.get(key)?.stop();
      watches.delete(key);
    };
    const sync = (cluster: Cluster) => {
      const key = keyOf(cluster);
      if (cluster.metadata.deletionTimestamp !== undefined) return stop(key);
      const identity = JSON.stringify([cluster.metadata.uid, cluster.status?.pd, cluster.status?.id]);
      if (watches.get(key)?.identity === identity) return;
      stop(key);
      const namespace = cluster.metadata.namespace;
      const unwatch = source.watch(cluster, (names) =>
        emit(names.map((name) => keyOf({ metadata: { name, namespace } }))),
      );
      watches.set(key, { identity, stop: unwatch });
    };
    const unsubscribe = clusters.addHandler((event) => {
      if (event.type === 'delete') stop(keyOf(event.obj));
      else sync(event.obj);
    });
    return () => {
      unsubscribe();
      for (const key of [...watches.keys()]) stop(key);
    };
  };
}
