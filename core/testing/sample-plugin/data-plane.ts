// The sample component's data plane: an in-memory registry of members, one per instance, standing in for
// what PD is to TiKV. Members join once their Pod runs, leave through a two-step removal (Up -> Removing ->
// Removed) that can be cancelled while Removing, and can be drained (the sample's "leader eviction") around a
// restart. Every change is pushed to the watchers of the member's cluster, the way a plugin's DataPlaneSource
// reports data-plane changes so no controller polls.
import type { Cluster } from '../../api/cluster.ts';
import type { DataPlaneSource } from '../../plugin/contract.ts';

export type SampleMemberState = 'Up' | 'Removing' | 'Removed';

export interface SampleMember {
  /** The instance name. */
  name: string;
  /** Assigned at join, never reused ("1", "2", ...). */
  id: string;
  state: SampleMemberState;
  /** Drained before a restart; undrained after it. */
  drained: boolean;
  /** Failed as far as the data plane can tell (a test's stand-in for a TiKV store Down); see `setDown`. */
  down: boolean;
}

type Listener = (instanceNames: readonly string[]) => void;

export class SampleDataPlane implements DataPlaneSource {
  private readonly members = new Map<string, SampleMember>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private nextId = 1;

  /** A copy of the member of `namespace/instance`, if it joined. */
  member(namespace: string, instance: string): SampleMember | undefined {
    const member = this.members.get(memberKey(namespace, instance));
    return member ? { ...member } : undefined;
  }

  /** Every member of a cluster, sorted by name. */
  membersOf(namespace: string, cluster: string): SampleMember[] {
    const wanted = clusterKey(namespace, cluster);
    return [...this.members.entries()]
      .filter(([key]) => this.clusters.get(key) === wanted)
      .map(([, m]) => ({ ...m }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Adds the member (Up) unless it exists; a removed member never comes back under the same name. */
  join(namespace: string, cluster: string, instance: string): SampleMember {
    const key = memberKey(namespace, instance);
    let member = this.members.get(key);
    if (!member) {
      member = { name: instance, id: String(this.nextId++), state: 'Up', drained: false, down: false };
      this.members.set(key, member);
      this.clusters.set(key, clusterKey(namespace, cluster));
      this.notify(key);
    }
    return { ...member };
  }

  /** Up -> Removing. */
  startRemoval(namespace: string, instance: string): void {
    this.update(namespace, instance, (m) => (m.state === 'Up' ? { ...m, state: 'Removing' } : m));
  }

  /** Removing -> Removed. */
  finishRemoval(namespace: string, instance: string): void {
    this.update(namespace, instance, (m) => (m.state === 'Removing' ? { ...m, state: 'Removed' } : m));
  }

  /** Removing -> Up (a removal that has finished cannot be cancelled). */
  cancelRemoval(namespace: string, instance: string): void {
    this.update(namespace, instance, (m) => (m.state === 'Removing' ? { ...m, state: 'Up' } : m));
  }

  /** Marks the member failed (true) or recovered (false): what a test does to simulate a data-plane failure. */
  setDown(namespace: string, instance: string, down: boolean): void {
    this.update(namespace, instance, (m) => (m.down === down ? m : { ...m, down }));
  }

  setDrained(namespace: string, instance: string, drained: boolean): void {
    this.update(namespace, instance, (m) => (m.drained === drained ? m : { ...m, drained }));
  }

  /** Forgets the member (after its instance is gone). */
  forget(namespace: string, instance: string): void {
    const key = memberKey(namespace, instance);
    if (!this.members.has(key)) return;
    this.notify(key);
    this.members.delete(key);
    this.clusters.delete(key);
  }

  /** Tells the watchers of the member's cluster that it changed (tests use it after releasing a held step). */
  touch(namespace: string, instance: string): void {
    this.notify(memberKey(namespace, instance));
  }

  watch(cluster: Cluster, onChange: Listener): () => void {
    const key = clusterKey(cluster.metadata.namespace ?? '', cluster.metadata.name);
    let set = this.listeners.get(key);
    if (!set) {
      set = new Set();
      this.listeners.set(key, set);
    }
    set.add(onChange);
    return () => {
      set.delete(onChange);
    };
  }

  /** Number of active watch subscriptions (tests check that a deleted cluster is unwatched). */
  watcherCount(namespace: string, cluster: string): number {
    return this.listeners.get(clusterKey(namespace, cluster))?.size ?? 0;
  }

  // Which cluster each member belongs to, for notifications.
  private readonly clusters = new Map<string, string>();

  private update(namespace: string, instance: string, fn: (m: SampleMember) => SampleMember): void {
    const key = memberKey(namespace, instance);
    const member = this.members.get(key);
    if (!member) return;
    const next = fn(member);
    if (next === member) return;
    this.members.set(key, next);
    this.notify(key);
  }

  private notify(key: string): void {
    const cluster = this.clusters.get(key);
    if (cluster === undefined) return;
    const name = key.slice(key.lastIndexOf('/') + 1);
    // Listeners run after the current step returns, as a real watch delivers events asynchronously.
    for (const listener of this.listeners.get(cluster) ?? []) queueMicrotask(() => listener([name]));
  }
}

function memberKey(namespace: string, instance: string): string {
  return `${namespace}/${instance}`;
}

function clusterKey(namespace: string, cluster: string): string {
  return `${namespace}/${cluster}`;
}
