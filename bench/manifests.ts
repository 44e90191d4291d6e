// The bench's clusters are examples/basic, renamed and resized: what a user applies first is what gets measured.
// Pure: takes the loaded example and returns new objects.
import type { KubeObject } from '../core/kube/object.ts';

export interface ClusterShape {
  name: string;
  pd: number;
  tikv: number;
  /** Template version of both groups; the example's when absent. */
  version?: string;
}

export interface ManifestOptions {
  /**
   * Annotations for every Pod through the template's Pod overlay. On the embedded control plane the bench sets
   * `sim.tikv.org/terminate-after`, so a deleted Pod's process exits like a real PD or TiKV after SIGTERM
   * instead of kwok waiting out the whole grace period.
   */
  podAnnotations?: Record<string, string>;
}

interface TemplateSpec {
  version?: string;
  overlay?: { pod?: { metadata?: { annotations?: Record<string, string> } } };
  [key: string]: unknown;
}

type GroupObject = KubeObject & {
  spec: { cluster: { name: string }; replicas: number; template: { spec: TemplateSpec } } & Record<string, unknown>;
};

/** The example's Cluster, PDGroup and TiKVGroup for one cluster of the given shape, named `<name>`, `<name>-pd`, `<name>-tikv`. */
export function clusterManifests(
  example: readonly KubeObject[],
  shape: ClusterShape,
  opts: ManifestOptions = {},
): KubeObject[] {
  const pick = (kind: string) => {
    const found = example.find((o) => o.kind === kind);
    if (!found) throw new Error(`the example has no ${kind}`);
    return structuredClone(found);
  };
  const cluster = pick('Cluster');
  cluster.metadata = { name: shape.name };
  const group = (kind: string, suffix: string, replicas: number): KubeObject => {
    const g = pick(kind) as GroupObject;
    g.metadata = { name: `${shape.name}-${suffix}` };
    g.spec.cluster = { name: shape.name };
    g.spec.replicas = replicas;
    const template = g.spec.template.spec;
    if (shape.version !== undefined) template.version = shape.version;
    if (opts.podAnnotations) {
      const overlay = template.overlay ?? {};
      const pod = overlay.pod ?? {};
      pod.metadata = { ...pod.metadata, annotations: { ...pod.metadata?.annotations, ...opts.podAnnotations } };
      template.overlay = { ...overlay, pod };
    }
    return g;
  };
  return [cluster, group('PDGroup', 'pd', shape.pd), group('TiKVGroup', 'tikv', shape.tikv)];
}

/** Cluster names `<prefix>-00`, `<prefix>-01`, ... (zero-padded so they sort). */
export function clusterNames(prefix: string, count: number): string[] {
  const width = String(Math.max(count - 1, 0)).length;
  return Array.from({ length: count }, (_, i) =>
    count === 1 ? prefix : `${prefix}-${String(i).padStart(width, '0')}`,
  );
}
