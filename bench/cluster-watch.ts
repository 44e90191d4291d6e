// What the bench sees of a scenario: its Clusters, groups and Pods, kept current by watches (not polls: a poll
// every 100 ms of 20 clusters would be load of its own, and a poll interval would blur the timings). On top of
// it, `waitForSettled` turns the stream of changes into the milestones of one step.

import { apiKinds } from '../cmd/kinds.ts';
import { labelKeys } from '../core/api/labels.ts';
import { SharedInformerFactory } from '../core/cache/factory.ts';
import type { Informer } from '../core/cache/informer.ts';
import type { KubeClient } from '../core/kube/client.ts';
import { kinds } from '../core/kube/object.ts';
import type { PodView } from './activity.ts';
import {
  type ClusterLike,
  clusterProgress,
  type GroupLike,
  groupKey,
  groupProgress,
  groupsOf,
  type MemberLike,
  type Progress,
} from './settled.ts';

export class ClusterWatch {
  private readonly listeners = new Set<() => void>();

  private constructor(
    private readonly factory: SharedInformerFactory,
    private readonly clusterInformer: Informer,
    private readonly groupInformers: Informer[],
    private readonly instanceInformers: Informer[],
    private readonly podInformer: Informer,
  ) {
    for (const informer of [clusterInformer, ...groupInformers, ...instanceInformers, podInformer]) {
      informer.addHandler(() => {
        for (const listener of this.listeners) listener();
      });
    }
  }

  static async start(client: KubeClient, namespace: string): Promise<ClusterWatch> {
    const factory = new SharedInformerFactory(client);
    const all = apiKinds();
    const clusterKind = all.find((k) => k.role === 'cluster');
    if (!clusterKind) throw new Error('no Cluster kind among the API kinds');
    const scope = { namespace };
    const watch = new ClusterWatch(
      factory,
      factory.informerFor(clusterKind.resource, scope),
      all.filter((k) => k.role === 'group').map((k) => factory.informerFor(k.resource, scope)),
      all.filter((k) => k.role === 'instance').map((k) => factory.informerFor(k.resource, scope)),
      factory.informerFor(kinds.Pod, { ...scope, labelSelector: `${labelKeys.component} in (pd,tikv)` }),
    );
    factory.startAll();
    await factory.waitForCacheSync();
    return watch;
  }

  cluster(name: string): ClusterLike | undefined {
    return this.clusterInformer.list().find((c) => c.metadata.name === name) as ClusterLike | undefined;
  }

  groups(): GroupLike[] {
    return this.groupInformers.flatMap((i) => i.list() as unknown as GroupLike[]);
  }

  instances(): MemberLike[] {
    return this.instanceInformers.flatMap((i) => i.list() as unknown as MemberLike[]);
  }

  pods(): Array<PodView & MemberLike> {
    return this.podInformer.list() as unknown as Array<PodView & MemberLike>;
  }

  /** Called after every change of any watched object. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stop(): Promise<void> {
    this.listeners.clear();
    return this.factory.stopAll();
  }
}

export interface SettledTimes {
  /** When each cluster was first seen settled. */
  clusterAt: Map<string, number>;
  /** When the last group of each kind (PDGroup, TiKVGroup) was first seen settled. */
  kindAt: Map<string, number>;
  endAt: number;
}

export interface WaitOptions {
  clusters: readonly string[];
  /** Per group key (settled.ts `groupKey`): the generation the bench's write produced. */
  minGenerations?: ReadonlyMap<string, number>;
  timeoutMs: number;
  /** More to wait for per cluster besides its objects (the simulated data plane: no eviction or drain left). */
  dataPlane?: (cluster: string) => Progress;
  now?: () => number;
  /** Told what the step waits for, whenever that changes and at least every 10 s. */
  progress?: (line: string) => void;
}

/** Resolves once every cluster is settled at the spec the bench wrote; rejects on timeout with the reason. */
export function waitForSettled(watch: ClusterWatch, opts: WaitOptions): Promise<SettledTimes> {
  const now = opts.now ?? (() => performance.now());
  const minGenerations = opts.minGenerations ?? new Map<string, number>();
  const started = now();
  const clusterAt = new Map<string, number>();
  const groupAt = new Map<string, { kind: string; at: number }>();
  let lastLine = '';
  let lastPrinted = 0;

  return new Promise<SettledTimes>((resolve, reject) => {
    let done = false;
    const finish = (outcome: () => void) => {
      if (done) return;
      done = true;
      unsubscribe();
      clearInterval(timer);
      outcome();
    };
    const evaluate = () => {
      if (done) return;
      const t = now();
      const groups = watch.groups();
      const instances = watch.instances();
      const pods = watch.pods();
      const waiting: string[] = [];
      for (const name of opts.clusters) {
        for (const g of groupsOf(name, groups)) {
          const key = groupKey(g);
          if (!groupAt.has(key) && groupProgress(g, minGenerations.get(key) ?? 0).settled) {
            groupAt.set(key, { kind: g.kind ?? 'group', at: t });
          }
        }
        if (clusterAt.has(name)) continue;
        const objects = clusterProgress({
          cluster: watch.cluster(name),
          groups,
          instances,
          pods,
          minGenerations,
        });
        const p = objects.settled && opts.dataPlane ? opts.dataPlane(name) : objects;
        if (p.settled) clusterAt.set(name, t);
        else waiting.push(p.reason);
      }
      if (waiting.length === 0) {
        const kindAt = new Map<string, number>();
        for (const { kind, at } of groupAt.values()) kindAt.set(kind, Math.max(kindAt.get(kind) ?? 0, at));
        finish(() => resolve({ clusterAt, kindAt, endAt: t }));
        return;
      }
      const line = `${opts.clusters.length - waiting.length}/${opts.clusters.length} clusters settled; waiting for ${waiting[0]}`;
      if (line !== lastLine || t - lastPrinted > 10_000) {
        opts.progress?.(`${line} (${((t - started) / 1000).toFixed(0)} s)`);
        lastLine = line;
        lastPrinted = t;
      }
      if (t - started > opts.timeoutMs) {
        finish(() =>
          reject(new Error(`not settled after ${(opts.timeoutMs / 1000).toFixed(0)} s: ${waiting.join('; ')}`)),
        );
      }
    };
    const unsubscribe = watch.onChange(evaluate);
    const timer = setInterval(evaluate, 1_000);
    evaluate();
  });
}
