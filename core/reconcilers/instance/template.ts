// The instance template the Pod was built from, recorded on the Pod as JSON (annotation
// `tikv.org/last-instance-template`), and read back to decide how a changed instance reaches its Pod (in place
// or by recreation, core/instance decideInstanceUpdate). The record is the instance's labels, annotations and
// the template part of its spec: the fields the group copies from its template. The instance's identity and
// lifecycle fields (cluster, topology, subdomain, replicas, offline) are left out: they never change a Pod, or
// cannot change at all.
import { annotationKeys } from '../../api/labels.ts';
import type { InstanceObject } from '../../plugin/contract.ts';
import { canonicalJson } from '../../revision/canonical-json.ts';

const nonTemplateSpecFields = new Set(['cluster', 'topology', 'subdomain', 'replicas', 'offline']);

export interface InstanceTemplate {
  metadata: { labels: Record<string, string>; annotations: Record<string, string> };
  spec: Record<string, unknown>;
}

export function instanceTemplate(instance: InstanceObject): InstanceTemplate {
  const spec: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(instance.spec)) {
    if (!nonTemplateSpecFields.has(key) && value !== undefined) spec[key] = value;
  }
  return {
    metadata: {
      labels: { ...(instance.metadata.labels ?? {}) },
      annotations: withoutClientAnnotations(instance.metadata.annotations ?? {}),
    },
    spec,
  };
}

/** The record as stored in the annotation: canonical JSON, so an unchanged template gives the same text. */
export function serializeTemplate(template: InstanceTemplate): string {
  return canonicalJson(template);
}

/** The template recorded on a Pod; undefined when the Pod has none or it does not parse (then it is recreated). */
export function appliedTemplate(pod: { metadata: { annotations?: Record<string, string> } }): unknown {
  const raw = pod.metadata.annotations?.[annotationKeys.lastInstanceTemplate];
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/**
 * Annotations clients put on objects for themselves (kubectl's last-applied-configuration) say nothing about
 * the template; recording them would turn every `kubectl apply` of an instance into a Pod update.
 */
export function withoutClientAnnotations(annotations: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(annotations)) {
    if (!key.startsWith('kubectl.kubernetes.io/')) out[key] = value;
  }
  return out;
}
