// Objects for the PD plugin's tests: instances, groups and Clusters as the apiserver stores them (defaults
// applied), and manifests for the end-to-end tests.
import type { Cluster } from '../../core/api/cluster.ts';
import type { GroupObject, InstanceObject } from '../../core/plugin/contract.ts';
import { emptySnapshot, type MemberView, type PdSnapshot } from './client/snapshot.ts';

const API_VERSION = 'core.tikv.org/v1alpha1';

export interface PdInstanceOptions {
  namespace?: string;
  group?: string;
  cluster?: string;
  revision?: string;
  annotations?: Record<string, string>;
  status?: Record<string, unknown>;
  spec?: Partial<InstanceObject['spec']>;
  deleting?: boolean;
}

/** A PD instance `name` of group `pd` (subdomain `pd-peer`) in namespace `ns` of Cluster `c`. */
export function pdInstance(name: string, opts: PdInstanceOptions = {}): InstanceObject {
  const group = opts.group ?? 'pd';
  const instance: InstanceObject = {
    apiVersion: API_VERSION,
    kind: 'PD',
    metadata: {
      name,
      namespace: opts.namespace ?? 'ns',
      uid: `uid-${name}`,
      generation: 1,
      labels: {
        'tikv.org/managed-by': 'tikv-operator',
        'tikv.org/cluster': opts.cluster ?? 'c',
        'tikv.org/component': 'pd',
        'tikv.org/group': group,
        'tikv.org/instance-revision-hash': opts.revision ?? 'rev-1',
      },
      ...(opts.annotations ? { annotations: opts.annotations } : {}),
      ...(opts.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    spec: {
      cluster: { name: opts.cluster ?? 'c' },
      topology: {},
      subdomain: `${group}-peer`,
      version: 'v8.5.0',
      configUpdateStrategy: 'Restart',
      volumes: [{ name: 'data', storage: '1Gi', mounts: [] }],
      ...opts.spec,
    },
  };
  if (opts.status) instance.status = opts.status;
  return instance;
}

/** A PDGroup `name` of Cluster `c` in `ns`. */
export function pdGroupObject(
  name: string,
  opts: { replicas?: number; namespace?: string; created?: string; config?: string } = {},
): GroupObject {
  return {
    apiVersion: API_VERSION,
    kind: 'PDGroup',
    metadata: {
      name,
      namespace: opts.namespace ?? 'ns',
      uid: `uid-${name}`,
      creationTimestamp: opts.created ?? '2026-01-01T00:00:00Z',
    },
    spec: {
      cluster: { name: 'c' },
      replicas: opts.replicas ?? 3,
      minReadySeconds: 0,
      template: { spec: { version: 'v8.5.0', ...(opts.config !== undefined ? { config: opts.config } : {}) } },
    },
  };
}

/** A Cluster `c` in `ns` with the given status facts. */
export function clusterObject(status: Cluster['status'] = {}, namespace = 'ns'): Cluster {
  return {
    apiVersion: API_VERSION,
    kind: 'Cluster',
    metadata: { name: 'c', namespace, uid: 'uid-c' },
    spec: {} as Cluster['spec'],
    status,
  };
}

/** Manifests of the end-to-end tests: a Cluster and a PDGroup as users write them. */
export const pdManifests = {
  cluster(name: string, namespace: string) {
    return { apiVersion: API_VERSION, kind: 'Cluster', metadata: { name, namespace }, spec: {} };
  },
  pdGroup(name: string, namespace: string, opts: { cluster: string; replicas: number; version?: string }) {
    return {
      apiVersion: API_VERSION,
      kind: 'PDGroup',
      metadata: { name, namespace },
      spec: {
        cluster: { name: opts.cluster },
        replicas: opts.replicas,
        template: { spec: { version: opts.version ?? 'v8.5.0', volumes: [{ name: 'data', storage: '1Gi' }] } },
      },
    };
  },
};

/** A PD state with these members (synced; the cluster id given). */
export function snapshotWith(
  members: { name: string; healthy?: boolean; leader?: boolean; id?: string }[],
  opts: { clusterId?: string; synced?: boolean } = {},
): PdSnapshot {
  const views = new Map<string, MemberView>(
    members.map((m, i) => [
      m.name,
      {
        name: m.name,
        id: m.id ?? String(10_000_000_000_000_000n + BigInt(i)),
        health: m.healthy ?? true,
        leader: m.leader ?? false,
        clientUrls: [`http://${m.name}.pd-peer.ns.svc:2379`],
      },
    ]),
  );
  return {
    ...emptySnapshot,
    synced: opts.synced ?? true,
    clusterId: opts.clusterId ?? '7000000000000000001',
    leader: members.find((m) => m.leader)?.name,
    members: views,
    fetchedAt: 0,
  };
}
