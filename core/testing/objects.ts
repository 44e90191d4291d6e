// The objects as tests read them back from the apiserver: plain JSON with status conditions, lists, and the path
// of this operator's API. Read shapes only (every field a test might not get is optional), so a test can look at
// a Cluster, a group, an instance, a Pod or a Node with the same few names.
import { API_GROUP_VERSION } from '../api/api-version.ts';
import type { KubeObject } from '../kube/object.ts';

/** The path prefix of the operator's kinds on the apiserver (`${API}/namespaces/<ns>/clusters`). */
export const API = `/apis/${API_GROUP_VERSION}`;

/** A status condition as the apiserver returns it (metav1.Condition). */
export interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime?: string;
}

/** Any object with a spec and status conditions; a test narrows spec and status with its own fields. */
export interface Obj extends KubeObject {
  spec?: Record<string, unknown>;
  status?: Record<string, unknown> & { conditions?: Condition[] };
}

/** A list response: the items and the resourceVersion to watch from. */
export interface List<T = Obj> {
  metadata: { resourceVersion: string };
  items: T[];
}

/** The condition of `type` on an object (undefined while the object or the condition is missing). */
export function condition<C extends { type: string }>(
  obj: { status?: { conditions?: C[] } } | undefined,
  type: string,
): C | undefined {
  return obj?.status?.conditions?.find((c) => c.type === type);
}

/** Whether the object's condition of `type` is True. */
export function isTrue(
  obj: { status?: { conditions?: { type: string; status: string }[] } } | undefined,
  type: string,
) {
  return condition(obj, type)?.status === 'True';
}
