// The Pod half of the Pod and volume manager, as pure decisions: which Pod an instance should have
// (`desiredPod`: the plugin's container plus the core's identity, config and volumes, then the user's overlay),
// and what to do about the Pod it has (`podAction`: create it, leave it, patch its labels and annotations in
// place, or recreate it after the restart protocol).
import { annotationKeys, labelKeys } from '../../api/labels.ts';
import { configMapName, podName, pvcName } from '../../api/names.ts';
import { DATA_VOLUME } from '../../api/template.ts';
import type { InstanceUpdateDecision } from '../../instance/restart-decision.ts';
import type { KubeObject } from '../../kube/object.ts';
import { type ObjectOverlay, overlayPod } from '../../overlay/overlay.ts';
import type { InstanceObject, RenderedPod } from '../../plugin/contract.ts';
import { instanceOwnerReference, ownedObjectLabels } from './identity.ts';
import { type InstanceTemplate, instanceTemplate, serializeTemplate, withoutClientAnnotations } from './template.ts';

/** Name of the Pod volume holding the rendered config (the instance's ConfigMap). */
export const CONFIG_VOLUME = 'tikv-config';

export interface PodCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
}

/** The parts of a Pod the instance reconciler reads. */
export interface PodObject extends KubeObject {
  apiVersion: 'v1';
  kind: 'Pod';
  spec?: Record<string, unknown> & { terminationGracePeriodSeconds?: number };
  status?: { phase?: string; conditions?: PodCondition[] };
}

export interface PodRenderInput {
  instance: InstanceObject;
  /** The plugin's name: the component label. */
  component: string;
  rendered: RenderedPod;
  /** The plugin's data directory: where the `data` volume goes when it has no mounts. */
  dataDirectory: string;
  /** Hash of the rendered config, so a config change is visible on the Pod. */
  configHash: string;
}

export interface DesiredPod {
  pod: PodObject;
  /** The template recorded on the Pod (also what `decideInstanceUpdate` compares). */
  template: InstanceTemplate;
}

/**
 * The Pod the instance should have. Identity: name and hostname = instance, subdomain = the group's peer
 * Service, nodeSelector = the instance's topology, the instance as controller. Labels: the instance's (which
 * carry the template labels and the revision) plus the identity labels; annotations: the instance's own ones,
 * the config hash and the template record. The user's Pod overlay is merged last (core/overlay); it throws
 * `OverlayError` when it cannot be applied.
 */
export function desiredPod(input: PodRenderInput): DesiredPod {
  const { instance, rendered } = input;
  const name = instance.metadata.name;
  const template = instanceTemplate(instance);
  const labels = { ...(instance.metadata.labels ?? {}), ...ownedObjectLabels(instance, input.component) };
  const annotations: Record<string, string> = {
    ...operatorFreeAnnotations(instance.metadata.annotations ?? {}),
    [annotationKeys.configHash]: input.configHash,
    [annotationKeys.lastInstanceTemplate]: serializeTemplate(template),
  };

  const volumes: Record<string, unknown>[] = [{ name: CONFIG_VOLUME, configMap: { name: configMapName(name) } }];
  const mounts: Record<string, unknown>[] = [
    { name: CONFIG_VOLUME, mountPath: rendered.configMountPath, readOnly: true },
  ];
  for (const volume of instance.spec.volumes) {
    volumes.push({ name: volume.name, persistentVolumeClaim: { claimName: pvcName(volume.name, name) } });
    const volumeMounts =
      volume.mounts.length > 0
        ? volume.mounts
        : volume.name === DATA_VOLUME
          ? [{ mountPath: input.dataDirectory }]
          : [];
    for (const mount of volumeMounts) {
      mounts.push(
        mount.subPath === undefined
          ? { name: volume.name, mountPath: mount.mountPath }
          : { name: volume.name, mountPath: mount.mountPath, subPath: mount.subPath },
      );
    }
  }
  volumes.push(...(rendered.volumes ?? []));
  const container = {
    ...rendered.container,
    volumeMounts: [...((rendered.container.volumeMounts as Record<string, unknown>[] | undefined) ?? []), ...mounts],
  };

  const spec: NonNullable<PodObject['spec']> = {
    hostname: podName(name),
    subdomain: instance.spec.subdomain,
    containers: [container],
    volumes,
  };
  if (Object.keys(instance.spec.topology ?? {}).length > 0) spec.nodeSelector = { ...instance.spec.topology };
  if (rendered.terminationGracePeriodSeconds !== undefined) {
    spec.terminationGracePeriodSeconds = rendered.terminationGracePeriodSeconds;
  }
  const pod: PodObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: podName(name),
      namespace: instance.metadata.namespace,
      labels,
      annotations,
      ownerReferences: [instanceOwnerReference(instance)],
    },
    spec,
  };
  return { pod: overlayPod(pod, instance.spec.overlay?.pod as ObjectOverlay | undefined), template };
}

/**
 * The instance's annotations that belong on its Pod: not those of clients (kubectl) and not the operator's own
 * instance-level ones (`tikv.org/priority`, `tikv.org/restartedAt`), which mean nothing on a Pod.
 */
function operatorFreeAnnotations(annotations: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(withoutClientAnnotations(annotations))) {
    if (!key.startsWith('tikv.org/')) out[key] = value;
  }
  return out;
}

/** A merge patch of Pod metadata: values to set, `null` to remove. */
export interface PodMetadataPatch {
  labels?: Record<string, string | null>;
  annotations?: Record<string, string | null>;
}

export type PodAction =
  | { kind: 'create' }
  /** The Pod is terminating (or belongs to an earlier instance of the same name): wait until it is gone. */
  | { kind: 'waitForDeletion'; reason: string }
  /** Run the restart protocol, then delete the Pod; the next reconcile creates the new one. */
  | { kind: 'recreate'; reasons: string[] }
  /** Patch labels and annotations in place; the Pod keeps running. */
  | { kind: 'update'; patch: PodMetadataPatch; reasons: string[] }
  | { kind: 'none' };

export interface PodActionInput {
  pod: PodObject | undefined;
  /** Whether `pod` is controlled by this instance (not by an earlier instance of the same name). */
  owned: boolean;
  desired: PodObject;
  /** From core/instance decideInstanceUpdate(recorded template, desired template). */
  decision: InstanceUpdateDecision;
  /** The template recorded on the Pod (to know which labels and annotations the operator put there). */
  applied: unknown;
}

/** What to do about the instance's Pod. */
export function podAction(input: PodActionInput): PodAction {
  const { pod } = input;
  if (!pod) return { kind: 'create' };
  if (pod.metadata.deletionTimestamp !== undefined)
    return { kind: 'waitForDeletion', reason: 'the Pod is terminating' };
  if (!input.owned) {
    return { kind: 'waitForDeletion', reason: 'a Pod of the same name belongs to another object' };
  }
  if (input.decision.kind === 'recreate') return { kind: 'recreate', reasons: input.decision.reasons };
  const patch = podMetadataPatch(pod, input.desired, input.applied);
  if (patch) {
    const reasons = input.decision.kind === 'inPlace' ? input.decision.reasons : ['Pod labels or annotations differ'];
    return { kind: 'update', patch, reasons };
  }
  return { kind: 'none' };
}

/**
 * The metadata patch that makes `pod` carry the desired labels and annotations: every desired key with a
 * different value is set; a key the operator put there before (in the recorded template's labels, annotations
 * or Pod overlay) and no longer wants is removed. Keys others added (kubectl, admission) stay. Undefined when
 * nothing differs.
 */
export function podMetadataPatch(pod: PodObject, desired: PodObject, applied: unknown): PodMetadataPatch | undefined {
  const previous = previousMetadata(applied);
  const labels = mapPatch(pod.metadata.labels ?? {}, desired.metadata.labels ?? {}, previous.labels);
  const annotations = mapPatch(
    pod.metadata.annotations ?? {},
    desired.metadata.annotations ?? {},
    previous.annotations,
  );
  if (!labels && !annotations) return undefined;
  const patch: PodMetadataPatch = {};
  if (labels) patch.labels = labels;
  if (annotations) patch.annotations = annotations;
  return patch;
}

function mapPatch(
  current: Record<string, string>,
  desired: Record<string, string>,
  previouslyManaged: ReadonlySet<string>,
): Record<string, string | null> | undefined {
  const patch: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(desired)) {
    if (current[key] !== value) patch[key] = value;
  }
  for (const key of previouslyManaged) {
    if (!(key in desired) && key in current) patch[key] = null;
  }
  return Object.keys(patch).length > 0 ? patch : undefined;
}

/** Label and annotation keys the recorded template put on the Pod (its metadata and its Pod overlay). */
function previousMetadata(applied: unknown): { labels: Set<string>; annotations: Set<string> } {
  const template = (applied ?? {}) as {
    metadata?: { labels?: Record<string, unknown>; annotations?: Record<string, unknown> };
    spec?: {
      overlay?: { pod?: { metadata?: { labels?: Record<string, unknown>; annotations?: Record<string, unknown> } } };
    };
  };
  const overlay = template.spec?.overlay?.pod?.metadata;
  const keys = (...maps: (Record<string, unknown> | undefined)[]) =>
    new Set(maps.flatMap((m) => (m && typeof m === 'object' ? Object.keys(m) : [])));
  return {
    labels: keys(template.metadata?.labels, overlay?.labels),
    annotations: keys(template.metadata?.annotations, overlay?.annotations),
  };
}

/** Phase Running and not terminating. */
export function isPodRunning(pod: PodObject | undefined): boolean {
  return pod !== undefined && pod.metadata.deletionTimestamp === undefined && pod.status?.phase === 'Running';
}

/** The Pod's Ready condition is True (and it is not terminating). */
export function isPodReady(pod: PodObject | undefined): boolean {
  return (
    pod !== undefined &&
    pod.metadata.deletionTimestamp === undefined &&
    (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
  );
}

/** The revision the Pod was built from (its revision label). */
export function podRevision(pod: PodObject | undefined): string | undefined {
  return pod?.metadata.labels?.[labelKeys.instanceRevisionHash];
}
