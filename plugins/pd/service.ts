// PD's client Service and the URL the Cluster publishes for it. Each PD group gets a ClusterIP Service named like
// the group (port 2379, selecting the group's Pods); the Cluster's `status.pd` names the Service of its primary PD
// group, the oldest one: the group that bootstraps PD and whose URL TiKV and the operator's PD client use.
import type { ComponentPort, GroupObject, RenderedService } from '../../core/plugin/contract.ts';

export const PD_CLIENT_PORT: ComponentPort = { name: 'client', port: 2379 };
export const PD_PEER_PORT: ComponentPort = { name: 'peer', port: 2380 };

/** The client Service of a PD group: named like the group. */
export function pdClientService(group: GroupObject): RenderedService {
  return { name: group.metadata.name, ports: [PD_CLIENT_PORT] };
}

/** `http://<group>.<ns>.svc:2379`: how TiKV, PD members joining later, and the operator reach PD. */
export function pdServiceUrl(groupName: string, namespace: string): string {
  return `http://${groupName}.${namespace}.svc:${PD_CLIENT_PORT.port}`;
}

/**
 * The primary PD group of a cluster: the oldest (then the first by name). Its URL stays the Cluster's PD URL
 * when more PD groups are added later, and only it bootstraps a new PD cluster.
 */
export function primaryPdGroup(groups: readonly GroupObject[]): GroupObject | undefined {
  const live = groups.filter((g) => g.metadata.deletionTimestamp === undefined);
  return [...(live.length > 0 ? live : groups)].sort((a, b) => {
    const at = a.metadata.creationTimestamp ?? '';
    const bt = b.metadata.creationTimestamp ?? '';
    if (at !== bt) return at < bt ? -1 : 1;
    return a.metadata.name.localeCompare(b.metadata.name);
  })[0];
}
