// In-place update or recreate: the instance reconciler records the template it applied on the Pod (an
// annotation holding JSON) and, when the instance's template changes, compares the two. Changes that Kubernetes
// or the component can take while running are applied in place; anything else means the Pod is deleted and
// created again, after the plugin's restart protocol (leader transfer or eviction) made that safe.
//
// The compared template is what the instance reconciler records: `{ metadata: { labels, annotations }, spec }`,
// with the instance template's spec (version, image, config, resources, volumes, overlay, updateStrategy, ...).

import { annotationKeys } from '../api/labels.ts';
import { changeMatches, diffTemplates, type TemplateChange } from './template-diff.ts';

/** How a config change reaches the component: by restarting it, or by the component reloading its file. */
export type ConfigUpdateStrategy = 'Restart' | 'HotReload';

export interface InstanceUpdateRules {
  /** Paths whose changes are always applied in place. */
  inPlace: readonly string[];
  /** Paths of the component config: in place with HotReload, recreate with Restart. */
  config: readonly string[];
  /** Template annotations whose change forces a recreate: the way to ask for a rolling restart. */
  restartAnnotations: readonly string[];
}

/** The annotation users set (to a timestamp) on the group template to restart every instance, one by one. */
export const restartedAtAnnotation = annotationKeys.restartedAt;

/**
 * The core's rules: labels, annotations, volume size and classes (PVC changes, applied to the PVCs), the Pod
 * overlay's metadata and the PVC overlays change in place, as does the update strategy itself (it only steers
 * decisions); the config follows the strategy.
 */
export const defaultInstanceUpdateRules: InstanceUpdateRules = {
  inPlace: [
    'metadata.labels',
    'metadata.annotations',
    'spec.volumes[].storage',
    'spec.volumes[].storageClassName',
    'spec.volumes[].volumeAttributesClassName',
    'spec.overlay.pod.metadata',
    'spec.overlay.volumeClaims',
    'spec.updateStrategy',
  ],
  config: ['spec.config'],
  restartAnnotations: [restartedAtAnnotation],
};

export interface InstanceUpdateInput {
  /** The template recorded on the Pod when it was last applied (parsed); undefined when the Pod has none. */
  applied: unknown;
  /** The instance's template now. */
  desired: unknown;
  /** The config update strategy of the desired template. */
  configUpdateStrategy: ConfigUpdateStrategy;
  /** Paths the plugin declares reloadable (for example TiKV's store labels), changed in place. */
  reloadableFields?: readonly string[];
  rules?: InstanceUpdateRules;
}

export interface InstanceUpdateDecision {
  kind: 'none' | 'inPlace' | 'recreate';
  /**
   * Why, one line per changed field: for `recreate` the changes that need it; for `inPlace` the changes
   * applied in place; empty for `none`.
   */
  reasons: string[];
}

/**
 * Decides how an existing Pod follows its instance's template: `none` (nothing changed), `inPlace` (only
 * changes the rules allow while running: apply them to the Pod and PVCs), or `recreate` (any other change, a
 * config change under the Restart strategy, a restart annotation, or a Pod without a recorded template).
 */
export function decideInstanceUpdate(input: InstanceUpdateInput): InstanceUpdateDecision {
  if (input.applied === undefined) {
    return { kind: 'recreate', reasons: ['the Pod has no record of the template it was created from'] };
  }
  const rules = input.rules ?? defaultInstanceUpdateRules;
  const inPlace = [...rules.inPlace, ...(input.reloadableFields ?? [])];
  const hotReload = input.configUpdateStrategy === 'HotReload';

  const recreate: string[] = [];
  const applied: string[] = [];
  for (const change of diffTemplates(input.applied, input.desired)) {
    if (isRestartAnnotation(change, rules.restartAnnotations)) {
      recreate.push(`${change.display} changed: restart requested`);
    } else if (rules.config.some((rule) => changeMatches(change, rule))) {
      if (hotReload) applied.push(`${change.display} changed (config update strategy HotReload)`);
      else recreate.push(`${change.display} changed (config update strategy Restart)`);
    } else if (inPlace.some((rule) => changeMatches(change, rule))) {
      applied.push(`${change.display} changed`);
    } else {
      recreate.push(`${change.display} changed`);
    }
  }
  if (recreate.length > 0) return { kind: 'recreate', reasons: recreate };
  if (applied.length > 0) return { kind: 'inPlace', reasons: applied };
  return { kind: 'none', reasons: [] };
}

function isRestartAnnotation(change: TemplateChange, keys: readonly string[]): boolean {
  const [metadata, annotations, key] = change.segments;
  return metadata === 'metadata' && annotations === 'annotations' && key !== undefined && keys.includes(key);
}
