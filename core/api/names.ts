// Names of everything derived from a group or an instance, and the length limits that keep each of them a valid
// DNS label (at most 63 characters) even for the largest ordinal. The CRDs enforce the limits on metadata.name.
//
//   instance (PD, TiKV CR)   <group>-<ordinal>            ordinal 0..99999 (core/naming/ordinal-names.ts)
//   Pod, Pod hostname        <instance>
//   Pod subdomain / Service  <group>-peer                 headless, one per group
//   ConfigMap                <instance>
//   PVC                      <volume>-<instance>
//   PD client Service        <pdgroup>                    port 2379

export const DNS_LABEL_MAX_LENGTH = 63;
/** RFC 1035 label: Service names must be one, and group names end up in Service names. */
export const DNS1035_LABEL_PATTERN = '^[a-z]([-a-z0-9]*[a-z0-9])?$';

export const MAX_ORDINAL = 99_999;
const MAX_ORDINAL_DIGITS = String(MAX_ORDINAL).length;

/** Longest group name: `<group>-<5 digits>` is the instance name and must leave room for the volume prefix. */
export const MAX_GROUP_NAME_LENGTH = 40;
/** Longest instance name: `<group>-<ordinal>`. */
export const MAX_INSTANCE_NAME_LENGTH = MAX_GROUP_NAME_LENGTH + 1 + MAX_ORDINAL_DIGITS;
/** Longest volume name: `<volume>-<instance>` (the PVC) must stay a DNS label. */
export const MAX_VOLUME_NAME_LENGTH = DNS_LABEL_MAX_LENGTH - 1 - MAX_INSTANCE_NAME_LENGTH;
/**
 * Longest Cluster name. The name is a label value (<= 63) everywhere; the same budget as groups leaves room for
 * objects named `<cluster>-<suffix>` without a breaking change to the API later.
 */
export const MAX_CLUSTER_NAME_LENGTH = 40;

/** Headless Service that gives every instance of the group a stable DNS name; it is the Pods' subdomain. */
export function peerServiceName(group: string): string {
  return `${group}-peer`;
}

export function podName(instance: string): string {
  return instance;
}

export function configMapName(instance: string): string {
  return instance;
}

export function pvcName(volume: string, instance: string): string {
  return `${volume}-${instance}`;
}

/** Stable in-cluster DNS name of an instance's Pod (hostname + subdomain). */
export function instanceHost(instance: string, group: string, namespace: string): string {
  return `${instance}.${peerServiceName(group)}.${namespace}.svc`;
}
