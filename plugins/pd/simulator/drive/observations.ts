// What the simulated data plane learns from the real control plane, as pure translations of Kubernetes objects:
// a PD Pod that is Running and Ready is a serving PD member; a TiKV Pod that is Running is a TiKV process on its
// data (its PVCs); a Pod that is gone, terminating or crashed is a process that stopped; a deleted PVC is data
// that is gone for good; a Service selecting a cluster's Pods is a DNS name of that cluster.
//
// Pods and Services of the legacy tikv-operator (a TikvCluster's StatefulSets, labelled app.kubernetes.io/*) are
// recognised too: they belong to the simulated cluster of the same namespace and name as the TikvCluster, so a
// new Cluster of that name shares their PD, as it does in a live migration.

import { labelKeys } from '../../../../core/api/labels.ts';
import type { KubeObject } from '../../../../core/kube/object.ts';
import { legacyClusterOf, legacyComponentOf } from '../../../legacy/objects.ts';
import type { StoreSpec } from '../model/cluster.ts';
import type { MemberSpec } from '../model/members.ts';

export interface ClusterRef {
  namespace: string;
  name: string;
}

export const clusterKey = (ref: ClusterRef): string => `${ref.namespace}/${ref.name}`;

/** The parts of a Pod the translation reads (a structural subset of core/v1 Pod). */
export interface PodLike extends KubeObject {
  spec?: {
    hostname?: string;
    subdomain?: string;
    volumes?: Array<{ name: string; persistentVolumeClaim?: { claimName: string } }>;
  };
  status?: {
    phase?: string;
    conditions?: Array<{ type: string; status: string }>;
    containerStatuses?: Array<{
      name: string;
      state?: { running?: unknown; waiting?: unknown; terminated?: unknown };
    }>;
  };
}

export interface ServiceLike extends KubeObject {
  spec?: { selector?: Record<string, string> };
}

export interface Ports {
  pdClient: number;
  pdPeer: number;
  tikv: number;
  tikvStatus: number;
}

export const defaultPorts: Ports = { pdClient: 2379, pdPeer: 2380, tikv: 20160, tikvStatus: 20180 };

export type PodObservation =
  | {
      component: 'pd';
      cluster: ClusterRef;
      pod: string;
      /** The Pod's DNS name, `<hostname>.<subdomain>.<ns>.svc`. */
      host: string;
      member: MemberSpec;
      /** PD answers on its client port: Running, Ready, not terminating. */
      serving: boolean;
    }
  | {
      component: 'tikv';
      cluster: ClusterRef;
      pod: string;
      host: string;
      store: StoreSpec;
      /** The TiKV process runs: Running, not terminating, no container crashed. */
      running: boolean;
    };

function isReady(pod: PodLike): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

function hasCrashedContainer(pod: PodLike): boolean {
  return (pod.status?.containerStatuses ?? []).some((c) => c.state !== undefined && c.state.running === undefined);
}

function isAlivePhase(pod: PodLike): boolean {
  return pod.status?.phase === 'Running' && pod.metadata.deletionTimestamp === undefined;
}

/** `<hostname>.<subdomain>.<ns>.svc`: the Pod's own DNS record under its headless Service. */
export function podHost(pod: PodLike): string {
  const ns = pod.metadata.namespace ?? 'default';
  const hostname = pod.spec?.hostname ?? pod.metadata.name;
  const subdomain = pod.spec?.subdomain;
  return subdomain ? `${hostname}.${subdomain}.${ns}.svc` : `${hostname}.${ns}.svc`;
}

/**
 * The identity of the Pod's data: its PVCs (namespace-qualified, sorted, comma-joined), so the same claims are
 * the same data after a restart. A Pod without PVCs has ephemeral data: a new Pod is new data.
 */
export function dataIdentity(pod: PodLike): string {
  const ns = pod.metadata.namespace ?? 'default';
  const claims = (pod.spec?.volumes ?? [])
    .map((v) => v.persistentVolumeClaim?.claimName)
    .filter((c): c is string => c !== undefined)
    .map((c) => `${ns}/${c}`)
    .sort();
  if (claims.length > 0) return claims.join(',');
  return `pod:${pod.metadata.uid ?? `${ns}/${pod.metadata.name}`}`;
}

/** The PVC as it appears in data identities. */
export function claimToken(claim: KubeObject): string {
  return `${claim.metadata.namespace ?? 'default'}/${claim.metadata.name}`;
}

export function clusterOf(obj: KubeObject): ClusterRef | undefined {
  const name = obj.metadata.labels?.[labelKeys.cluster];
  if (!name) return undefined;
  return { namespace: obj.metadata.namespace ?? 'default', name };
}

/** Who a PD or TiKV Pod is in its cluster: its component, its cluster, and (PD) its member name. */
export interface PodIdentity {
  component: 'pd' | 'tikv';
  cluster: ClusterRef;
  /** PD's `name`. */
  memberName: string;
}

/** A Pod of this operator: `tikv.org/*` labels; the member is named after the instance (else the Pod). */
export function operatorPodIdentity(pod: KubeObject): PodIdentity | undefined {
  const component = pod.metadata.labels?.[labelKeys.component];
  const cluster = clusterOf(pod);
  if (!cluster || (component !== 'pd' && component !== 'tikv')) return undefined;
  return { component, cluster, memberName: pod.metadata.labels?.[labelKeys.instance] ?? pod.metadata.name };
}

/**
 * A Pod of the legacy tikv-operator's StatefulSets: `app.kubernetes.io/*` labels, cluster = the TikvCluster
 * (`app.kubernetes.io/instance`); the legacy PD started with `--name=${POD_NAME}`, so the member is the Pod.
 */
export function legacyPodIdentity(pod: KubeObject): PodIdentity | undefined {
  const labels = pod.metadata.labels;
  const component = legacyComponentOf(labels);
  const name = legacyClusterOf(labels);
  if (!component || !name) return undefined;
  return {
    component,
    cluster: { namespace: pod.metadata.namespace ?? 'default', name },
    memberName: pod.metadata.name,
  };
}

export function podIdentity(pod: KubeObject): PodIdentity | undefined {
  return operatorPodIdentity(pod) ?? legacyPodIdentity(pod);
}

/**
 * A PD or TiKV Pod of a cluster as the simulator sees it; undefined for other Pods. `deleted` is true when the
 * Pod is gone from the API (a delete event).
 */
export function observePod(pod: PodLike, deleted: boolean, ports: Ports = defaultPorts): PodObservation | undefined {
  const identity = podIdentity(pod);
  if (!identity) return undefined;
  const { component, cluster } = identity;
  const host = podHost(pod);
  const alive = !deleted && isAlivePhase(pod);
  if (component === 'pd') {
    return {
      component,
      cluster,
      pod: pod.metadata.name,
      host,
      serving: alive && isReady(pod),
      member: {
        name: identity.memberName,
        clientUrls: [`http://${host}:${ports.pdClient}`],
        peerUrls: [`http://${host}:${ports.pdPeer}`],
        dataId: dataIdentity(pod),
      },
    };
  }
  return {
    component,
    cluster,
    pod: pod.metadata.name,
    host,
    running: alive && !hasCrashedContainer(pod),
    store: {
      address: `${host}:${ports.tikv}`,
      statusAddress: `${host}:${ports.tikvStatus}`,
      dataId: dataIdentity(pod),
    },
  };
}

/** The cluster whose PD (or TiKV) Pods a Service selects, from the selector's cluster and component labels. */
export function observeService(svc: ServiceLike): { cluster: ClusterRef; host: string } | undefined {
  const name = selectedCluster(svc.spec?.selector ?? {});
  if (!name) return undefined;
  const namespace = svc.metadata.namespace ?? 'default';
  return { cluster: { namespace, name }, host: `${svc.metadata.name}.${namespace}.svc` };
}

/**
 * The cluster whose PD or TiKV Pods a selector picks: by `tikv.org/*` labels, or by the legacy operator's (its
 * `<tc>-pd`, `<tc>-pd-peer` and `<tc>-tikv-peer` select with all four of them).
 */
function selectedCluster(selector: Readonly<Record<string, string>>): string | undefined {
  const component = selector[labelKeys.component];
  const name = selector[labelKeys.cluster];
  if (name && (component === 'pd' || component === 'tikv')) return name;
  return legacyClusterOf(selector);
}
