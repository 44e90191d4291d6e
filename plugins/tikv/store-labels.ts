// Store labels: where each store runs, in the terms of PD's `location-labels` (zone, host, ...), plus the user's
// `storeLabels`. PD places the replicas of a region on stores that differ in the most significant location label,
// so these must match where the Pod really runs.
//
// Where the node's labels come from: the operator has no access to Nodes (deploy/cluster-role.yaml grants none,
// on purpose). A store's place is known anyway: the instance's `topology` is the set of node labels its Pod is
// pinned to (the group's EvenlySpread topology, applied as the Pod's nodeSelector), and the Pod's `nodeName` is
// the host. So a location label takes its value from the topology (`zone` from topology.kubernetes.io/zone,
// `region` from topology.kubernetes.io/region, `host` from kubernetes.io/hostname, any other label from the
// topology key of the same name), and `host` falls back to the Pod's node name.
//
// Labels are only ever added or changed, never deleted: TiKV reports the labels of its own config
// (`server.labels`) too, and a key dropped from `storeLabels` is removed with pd-ctl (`store label <id> <key>
// --delete`) if wanted.

import { TOPOLOGY_STORE_LABELS } from './api.ts';

export interface StoreLabelInput {
  /** PD's `replication.location-labels`. */
  locationLabels: readonly string[];
  /** The instance's topology: node labels its Pod is pinned to. */
  topology: Readonly<Record<string, string>>;
  /** The Pod's `spec.nodeName`, once scheduled. */
  nodeName: string | undefined;
  /** The template's `storeLabels`. */
  storeLabels: Readonly<Record<string, string>> | undefined;
}

// PD's format of a label value (server/core: ValidateLabels).
const PD_LABEL_VALUE = /^[-A-Za-z0-9_./]+$/;

/** The labels the store should have. */
export function desiredStoreLabels(input: StoreLabelInput): Record<string, string> {
  const out: Record<string, string> = { ...input.storeLabels };
  for (const label of input.locationLabels) {
    const nodeKey = (TOPOLOGY_STORE_LABELS as Record<string, string>)[label] ?? label;
    const value =
      input.topology[nodeKey] ?? (nodeKey === TOPOLOGY_STORE_LABELS.host ? input.nodeName : undefined) ?? undefined;
    if (value !== undefined && PD_LABEL_VALUE.test(value)) out[label] = value;
  }
  return out;
}

/** The labels to set: desired ones the store lacks or has with another value. Empty when nothing differs. */
export function storeLabelChanges(
  desired: Readonly<Record<string, string>>,
  actual: Readonly<Record<string, string>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(desired)) if (actual[key] !== value) out[key] = value;
  return out;
}
