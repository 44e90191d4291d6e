// How a PD member enters the cluster: the first members of a new PD cluster bootstrap it together with
// `initial-cluster` (every bootstrap peer) and `initial-cluster-state = "new"`; every member created once the PD
// cluster exists `join`s it through the PD Service. The rule that keeps a PD group from ever bootstrapping a
// second cluster over existing data (tidb-operator#3349, a PD with a new cluster id that every TiKV rejects):
//
//   1. Only a member created while no PD cluster is known (the Cluster has no id, PD lists no member) gets the
//      bootstrap annotation `tikv.org/pd-initial-cluster-size: <n>` (the group's replicas then). Every later
//      member joins.
//   2. A bootstrap member renders `initial-cluster-state = "new"` only until PD has listed it once (its
//      instance status has a member id, or the PD state shows it): a member that started once has data, and it
//      joins from then on. PD started with `join` on existing data restarts from that data (PD's
//      PrepareJoinCluster); on lost data it refuses to start ("missing data or join a duplicated pd"), which is
//      loud and safe, where `new` on empty data would start a member with no data under its old identity.
//   3. Its `initial-cluster` lists exactly the bootstrap members declared with the same size; the config waits
//      (pending, no Pod) until all of them exist, so every bootstrap member renders the same list and no subset
//      can form a cluster of its own. A member of a complete set that starts after the others formed the
//      cluster still renders it: etcd admits it as the member declared in that list (`join` would be refused,
//      PD's join rejects a cluster with a member that never started).
//   4. A bootstrap member whose set is incomplete once a PD cluster exists (replicas changed during bootstrap,
//      an operator restart that had not seen the cluster yet) joins instead.
//
// So `new` is only ever rendered for a member that never ran, in a set that is complete: at worst it joins the
// cluster it was declared in; it can never form another one.
//
// A group with `spec.join` (a PD cluster that exists elsewhere, the legacy operator's during a migration) never
// bootstraps at all: its members get no bootstrap annotation, and every member, annotated or not, renders `join`.
// They join through `spec.join` until a member of the Cluster's primary PD group serves, then through the
// Cluster's own PD Service (`status.pd`): before that the Service has no endpoint to answer a join, after that the
// URL in `spec.join` may be gone (the legacy PD removed). PD reads `join` only on a member's first start (later
// starts restart from the data), so the switch changes no running member.
import type { GroupObject, InstanceObject } from '../../core/plugin/contract.ts';

/** On PD instances created to bootstrap a new PD cluster: how many bootstrap members the cluster starts with. */
export const INITIAL_CLUSTER_SIZE_ANNOTATION = 'tikv.org/pd-initial-cluster-size';

/** A PD group's `spec.join`, if set. */
export function joinUrlOf(group: GroupObject | undefined): string | undefined {
  const join = group?.spec.join;
  return typeof join === 'string' && join !== '' ? join : undefined;
}

/** The bootstrap size an instance was created with; undefined for members that join. */
export function bootstrapSizeOf(instance: InstanceObject): number | undefined {
  const raw = instance.metadata.annotations?.[INITIAL_CLUSTER_SIZE_ANNOTATION];
  if (raw === undefined || !/^[1-9][0-9]*$/.test(raw)) return undefined;
  return Number(raw);
}

export interface NewMemberInput {
  /** The group is the cluster's primary PD group (only it bootstraps). */
  primaryGroup: boolean;
  /** Cluster.status.id. */
  clusterId: string | undefined;
  /** Members the PD state lists now (0 when PD is not reachable or not watched yet). */
  knownMembers: number;
  /** The group's replicas when the member is created. */
  replicas: number;
  /** The group joins an existing PD cluster (`spec.join`). */
  joins: boolean;
}

/** Annotations of a new PD instance: the bootstrap size while no PD cluster is known, none otherwise. */
export function newMemberAnnotations(input: NewMemberInput): Record<string, string> {
  if (input.joins || !input.primaryGroup || input.clusterId || input.knownMembers > 0) return {};
  return { [INITIAL_CLUSTER_SIZE_ANNOTATION]: String(Math.max(1, input.replicas)) };
}

/** A bootstrap peer as `initial-cluster` lists it. */
export interface BootstrapPeer {
  name: string;
  /** Its bootstrap size annotation. */
  size: number;
  /** `http://<instance>.<group>-peer.<ns>.svc:2380`. */
  peerUrl: string;
}

export type Membership =
  /** Bootstrap (or late-start as a declared member of) the cluster these members form. */
  | { kind: 'bootstrap'; initialCluster: readonly BootstrapPeer[] }
  /** Join the running cluster through this PD URL. */
  | { kind: 'join'; join: string }
  /** Not renderable yet. */
  | { kind: 'pending'; reason: string };

export interface MembershipInput {
  name: string;
  /** This instance's bootstrap size annotation. */
  bootstrapSize: number | undefined;
  /** PD has listed this member once (instance status member id, or the PD state now). */
  initialized: boolean;
  /** A PD cluster exists: the Cluster has an id, PD lists members, or a peer has been a member. */
  clusterExists: boolean;
  /** Every instance of the group with the bootstrap annotation (deleting ones too), this one included. */
  bootstrapPeers: readonly BootstrapPeer[];
  /** Cluster.status.pd. */
  pdUrl: string | undefined;
  /** The group's `spec.join`: the existing PD cluster to join; never bootstrap. */
  joinUrl?: string | undefined;
  /** A member of the Cluster's primary PD group is healthy in PD: `status.pd` answers (`ownPdServes`). */
  ownPdServes?: boolean;
}

/** Bootstrap, join or wait: the rule of the module header. */
export function decideMembership(input: MembershipInput): Membership {
  if (input.joinUrl !== undefined && input.joinUrl !== '') {
    const own = input.ownPdServes === true && input.pdUrl !== undefined && input.pdUrl !== '';
    return { kind: 'join', join: own ? (input.pdUrl as string) : input.joinUrl };
  }
  const size = input.bootstrapSize;
  if (size !== undefined && !input.initialized) {
    const set = input.bootstrapPeers.filter((p) => p.size === size).sort((a, b) => a.name.localeCompare(b.name));
    if (set.length === size && set.some((p) => p.name === input.name)) {
      return { kind: 'bootstrap', initialCluster: set };
    }
    if (!input.clusterExists) {
      return {
        kind: 'pending',
        reason:
          set.length < size
            ? `waiting for the bootstrap members: ${set.length} of ${size} exist`
            : `${set.length} bootstrap members were created for an initial size of ${size}: waiting until the PD cluster exists, then this member joins it`,
      };
    }
  }
  if (input.pdUrl === undefined || input.pdUrl === '') {
    return { kind: 'pending', reason: 'the Cluster publishes no PD URL yet (status.pd)' };
  }
  return { kind: 'join', join: input.pdUrl };
}

/** `initial-cluster`: `name=peerUrl` pairs, comma separated. */
export function initialClusterValue(peers: readonly BootstrapPeer[]): string {
  return peers.map((p) => `${p.name}=${p.peerUrl}`).join(',');
}

/** `<group>-<ordinal>`: the names the core gives a group's instances, and so PD's member names. */
function memberNamePattern(group: string): RegExp {
  return new RegExp(`^${group.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-[0-9]+$`);
}

/**
 * Whether the Cluster's own PD Service answers: a member of its primary PD group (the group the Service selects)
 * is healthy in PD.
 */
export function ownPdServes(
  members: Iterable<{ name: string; health: boolean }>,
  primaryGroup: string | undefined,
): boolean {
  if (primaryGroup === undefined) return false;
  const pattern = memberNamePattern(primaryGroup);
  for (const m of members) if (m.health && pattern.test(m.name)) return true;
  return false;
}
