// What the live migration knows at one moment: the legacy objects (TikvCluster, StatefulSets, Pods, PVCs), PD
// (members, stores, schedulers, read through the PD client) and the new objects (Cluster, groups, instances). The
// planner decides from this alone; nothing else is remembered between two runs except the eviction start times,
// which only bound a wait (a new run starts that wait again).
import type { PdSnapshot } from '../../pd/client/snapshot.ts';
import type { LegacyComponent } from '../objects.ts';

/** What is migrated where. The new objects use the converter's `distinct` group names. */
export interface MigrationTarget {
  namespace: string;
  /** The TikvCluster's name. */
  legacyName: string;
  /** The new Cluster (by default the TikvCluster's name). */
  cluster: string;
  pdGroup: string;
  tikvGroup: string;
}

export interface LegacyPod {
  name: string;
  ordinal: number;
  ready: boolean;
  terminating: boolean;
}

export interface LegacyComponentState {
  /** The StatefulSet `<tc>-<component>`; undefined once deleted (or never there). */
  statefulSet: { replicas: number; readyReplicas: number } | undefined;
  /** Its Pods, by ordinal. */
  pods: LegacyPod[];
  /** The legacy PVCs (`<component>-<tc>-<component>-<i>`) that exist. */
  claims: string[];
}

/** PD as read once through its client: every part answered. */
export interface PdReading {
  url: string;
  snapshot: PdSnapshot;
  maxReplicas: number;
  /** Regions with a down peer. */
  downPeerRegions: number;
}

export interface NewInstanceState {
  name: string;
  ready: boolean;
}

export interface NewGroupState {
  name: string;
  replicas: number;
  readyReplicas: number;
  annotations: Record<string, string>;
  /** PDGroup `spec.join`. */
  join?: string | undefined;
  instances: NewInstanceState[];
}

export interface NewClusterState {
  annotations: Record<string, string>;
  statusId: string | undefined;
  statusPd: string | undefined;
  ready: boolean;
}

export interface TikvClusterSource {
  /** The object as read (the converter checks it). */
  object: unknown;
  /** It came from the apiserver (the legacy CRD is served), so its status can record the conversion. */
  served: boolean;
  /** `status.converted` is true. */
  converted: boolean;
  /** `status.clusterID`, if the legacy operator recorded it. */
  clusterId: string | undefined;
}

export type LegacyOperatorCheck =
  /** Deployments that run the legacy controller manager with replicas > 0 (`<ns>/<name>`). */
  | { kind: 'checked'; running: string[] }
  /** The check could not be made (no right to list Deployments in every namespace). */
  | { kind: 'unknown'; reason: string };

export interface ObservedState {
  target: MigrationTarget;
  nowMs: number;
  tikvCluster: TikvClusterSource | undefined;
  legacy: Record<LegacyComponent, LegacyComponentState>;
  pd: PdReading | { error: string; url: string };
  cluster: NewClusterState | undefined;
  pdGroup: NewGroupState | undefined;
  tikvGroup: NewGroupState | undefined;
  legacyOperator: LegacyOperatorCheck;
  /** When this run started evicting the leaders of a store, by store id. */
  evictionStartedAt: ReadonlyMap<string, number>;
}

export interface MigrationOptions {
  /** The converter's warnings were reviewed (`--accept-warnings`). */
  acceptWarnings: boolean;
  /** Delete the legacy PVCs at the end (`--delete-volumes`). */
  deleteVolumes: boolean;
  /** The user says the legacy operator is stopped, when the command cannot check it (`--legacy-operator-stopped`). */
  legacyOperatorStopped: boolean;
  /** How long leaders may take to leave a legacy store before it is deleted in PD anyway. */
  evictLeaderTimeoutMs: number;
}

export const defaultMigrationOptions: MigrationOptions = {
  acceptWarnings: false,
  deleteVolumes: false,
  legacyOperatorStopped: false,
  evictLeaderTimeoutMs: 5 * 60_000,
};

export function isPdReading(pd: ObservedState['pd']): pd is PdReading {
  return 'snapshot' in pd;
}
