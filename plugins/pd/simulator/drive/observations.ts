// What the simulated data plane learns from the real control plane, as pure translations of Kubernetes objects:
// a PD Pod that is Running and Ready is a serving PD member; a TiKV Pod that is Running is a TiKV process on its
// data (its PVCs); a Pod that is gone, terminating or crashed is a process that stopped; a deleted PVC is data
// that is gone for good; a Service selecting a cluster's Pods is a DNS name of that cluster.

import { labelKeys } from '../../../../core/api/labels.ts';
import type { KubeObject } from '../../../../core/kube/object.ts';
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

/**
 * A PD or TiKV Pod of a cluster as the simulator sees it; undefined for other Pods. `deleted` is true when the
 * Pod is gone from the API (a delete event).
 */
export function observePod(pod: PodLike, deleted: boolean, ports: Ports = defaultPorts): PodObservation | undefined {
  const component = pod.metadata.labels?.[labelKeys.component];
  const cluster = clusterOf(pod);
  if (!cluster || (component !== 'pd' && component !== 'tikv')) return undefined;
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
        // PD's `name` is the instance name (what the operator writes into the PD config), else the Pod name.
        name: pod.metadata.labels?.[labelKeys.instance] ?? pod.metadata.name,
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
  const selector = svc.spec?.selector ?? {};
  const name = selector[labelKeys.cluster];
  const component = selector[labelKeys.component];
  if (!name || (component !== 'pd' && component !== 'tikv')) return undefined;
  const namespace = svc.metadata.namespace ?? 'default';
  return { cluster: { namespace, name }, host: `${svc.metadata.name}.${namespace}.svc` };
}
