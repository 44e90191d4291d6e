// The instance template every component shares: version, image, resources, config, volumes and overlay. A plugin
// adds its own fields (TiKV store labels, ...) and its managed config keys; groups embed the result under
// `spec.template.spec`, instances inline it in their `spec`.
import * as v from 'valibot';
import { compareQuantities, isQuantity } from '../kube/quantity.ts';
import { configField } from './config.ts';
import { dnsLabel, freeForm, listMap, quantity, quantityString, semverVersion, userMetadataMap } from './fields.ts';
import { annotationKeys, userSettableAnnotations } from './labels.ts';
import { MAX_VOLUME_NAME_LENGTH } from './names.ts';
import { type Rule, rules, withRules } from './rules.ts';

/** The volume every component needs for its data; the plugin mounts it at its data directory. */
export const DATA_VOLUME = 'data';
export const MAX_VOLUMES = 8;

export const volumeReclaimPolicies = ['Delete', 'Retain'] as const;
export type VolumeReclaimPolicy = (typeof volumeReclaimPolicies)[number];

export const configUpdateStrategies = ['Restart', 'HotReload'] as const;
export type ConfigUpdateStrategy = (typeof configUpdateStrategies)[number];

export const volumeMountSchema = v.object({
  mountPath: v.pipe(
    v.string(),
    v.maxLength(256),
    v.regex(/^\//, 'mountPath must be an absolute path'),
    v.description('Absolute path in the component container.'),
    v.examples(['/var/lib/tikv/raft']),
  ),
  subPath: v.optional(
    v.pipe(
      v.string(),
      v.maxLength(256),
      v.regex(/^[^/]/, 'subPath must be a relative path'),
      v.description('Path inside the volume to mount instead of its root.'),
    ),
  ),
});

const storageField = v.pipe(
  quantityString(
    'Requested size of the PersistentVolumeClaim. It can grow (if the storage class allows expansion) but never shrink.',
    ['100Gi'],
  ),
  rules<string>(
    {
      cel: "!isQuantity(self) || quantity(self).isGreaterThan(quantity('0'))",
      message: 'storage must be greater than 0',
      check: (self) => !isQuantity(self) || (compareQuantities(self, '0') ?? 0) > 0,
    },
    {
      cel: '!isQuantity(self) || !isQuantity(oldSelf) || quantity(self).compareTo(quantity(oldSelf)) >= 0',
      message: 'storage can only grow: shrinking a volume is not supported',
      transition: (self, oldSelf) => {
        return (compareQuantities(self, oldSelf) ?? 0) >= 0;
      },
    },
  ),
);

export const volumeSchema = withRules(
  v.object({
    name: v.pipe(
      dnsLabel(
        MAX_VOLUME_NAME_LENGTH,
        `volume name must be a DNS label of at most ${MAX_VOLUME_NAME_LENGTH} characters`,
      ),
      v.description(
        `Volume name; the PVC is named \`<volume>-<instance>\`. At most ${MAX_VOLUME_NAME_LENGTH} characters.`,
      ),
      v.examples(['data']),
    ),
    mounts: v.optional(
      v.pipe(
        v.array(volumeMountSchema),
        v.maxLength(8),
        v.description(
          'Where the volume is mounted in the component container. The `data` volume may leave it empty: it is then mounted at the component data directory.',
        ),
      ),
      [],
    ),
    storage: storageField,
    storageClassName: v.optional(
      v.pipe(v.string(), v.maxLength(253), v.description('StorageClass of the PVC; the cluster default when omitted.')),
    ),
    volumeAttributesClassName: v.optional(
      v.pipe(
        v.string(),
        v.maxLength(253),
        v.description(
          'VolumeAttributesClass of the PVC (IOPS, throughput). Once set it can change but not be removed.',
        ),
      ),
    ),
  }),
  [
    {
      cel: `self.name == '${DATA_VOLUME}' || size(self.mounts) > 0`,
      message: `mounts must not be empty: only the ${DATA_VOLUME} volume has a default mount path`,
      field: ['mounts'],
      check: (self) => self.name === DATA_VOLUME || self.mounts.length > 0,
    },
    {
      cel: '!has(oldSelf.volumeAttributesClassName) || has(self.volumeAttributesClassName)',
      message: 'volumeAttributesClassName cannot be removed once set',
      transition: (self, oldSelf) =>
        oldSelf.volumeAttributesClassName === undefined || self.volumeAttributesClassName !== undefined,
    },
  ],
);
export type Volume = v.InferOutput<typeof volumeSchema>;

export const resourcesSchema = v.pipe(
  v.object({
    cpu: v.optional(quantity('CPU request and limit.', ['4', '500m'])),
    memory: v.optional(quantity('Memory request and limit.', ['16Gi'])),
  }),
  v.description('CPU and memory for the component container, used as both requests and limits (Guaranteed QoS).'),
);
export type Resources = v.InferOutput<typeof resourcesSchema>;

export const objectMetadataSchema = v.object({
  labels: v.optional(userMetadataMap('Labels to add.', 'labels')),
  annotations: v.optional(
    userMetadataMap(
      `Annotations to add. Changing \`${annotationKeys.restartedAt}\` (for example to the current time) restarts every instance, one at a time.`,
      'annotations',
      userSettableAnnotations,
    ),
  ),
});
export type ObjectMetadataOverlay = v.InferOutput<typeof objectMetadataSchema>;

export const overlaySchema = v.pipe(
  v.object({
    pod: v.optional(
      v.pipe(
        v.object({
          metadata: v.optional(v.pipe(objectMetadataSchema, v.description('Labels and annotations added to the Pod.'))),
          spec: v.optional(
            freeForm(
              'Pod spec fields merged over the Pod the operator builds (containers by name, volumes by name, other lists replaced, scalars override). Not validated at admission: a Pod the apiserver rejects is reported on the instance.',
            ),
          ),
        }),
        v.description('Overlay for the Pod.'),
      ),
    ),
    volumeClaims: v.optional(
      listMap(
        v.object({
          name: v.pipe(
            dnsLabel(MAX_VOLUME_NAME_LENGTH, 'volumeClaims name must be the name of a volume'),
            v.description('Name of the volume (in `volumes`) whose PVC this overlay applies to.'),
          ),
          volumeClaim: v.pipe(
            v.object({
              metadata: v.optional(objectMetadataSchema),
              spec: v.optional(freeForm('PVC spec fields merged over the PVC the operator builds.')),
            }),
            v.description('Overlay for the PVC.'),
          ),
        }),
        'name',
        MAX_VOLUMES,
        'Overlays for PersistentVolumeClaims, by volume name.',
      ),
    ),
  }),
  v.description('Changes applied last to the objects the operator builds, for what the template does not cover.'),
);
export type Overlay = v.InferOutput<typeof overlaySchema>;

export interface ComponentTemplateOptions {
  /** Display name of the component ("PD", "TiKV"), used in descriptions. */
  component: string;
  /** Image repository used when `image` is empty ("pingcap/tikv"). */
  imageRepository: string;
  /** Where the `data` volume is mounted when it has no mounts ("/var/lib/tikv"). */
  dataDirectory: string;
  /** Dotted config keys the operator sets itself. */
  managedConfigKeys: readonly string[];
}

/** Fields of the template spec every component has. Plugins spread them and add their own. */
export function commonTemplateEntries(opts: ComponentTemplateOptions) {
  return {
    version: semverVersion(),
    image: v.optional(
      v.pipe(
        v.string(),
        v.maxLength(512),
        v.description(
          `Container image. Defaults to \`${opts.imageRepository}:<version>\` (with a leading v). Set it to use a mirror or a build; \`version\` must still say which version it is.`,
        ),
        v.examples([`${opts.imageRepository}:v8.5.0`]),
      ),
    ),
    resources: v.optional(resourcesSchema),
    config: configField(opts.managedConfigKeys, opts.component),
    configUpdateStrategy: v.optional(
      v.pipe(
        v.picklist(configUpdateStrategies),
        v.description(
          '`Restart`: a config change restarts instances one by one. `HotReload`: the new config is written to the ConfigMap and Pods are not restarted (the component picks up what it can reload).',
        ),
      ),
      'Restart',
    ),
    volumes: listMap(
      volumeSchema,
      'name',
      MAX_VOLUMES,
      `Persistent volumes of each instance, one PVC per volume and instance. A volume named \`${DATA_VOLUME}\` is required; without mounts it is mounted at \`${opts.dataDirectory}\`.`,
    ),
    volumeReclaimPolicy: v.optional(
      v.pipe(
        v.picklist(volumeReclaimPolicies),
        v.description(
          "What happens to an instance's PVCs when the instance is removed (scale-in, replacement, deletion of the Cluster). `Delete`: they are deleted. `Retain`: they are kept, without an owner, for manual recovery; an instance created later under the same name adopts them. Changing it never restarts a Pod.",
        ),
      ),
      'Delete',
    ),
    overlay: v.optional(overlaySchema),
  };
}

export interface CommonTemplateSpec {
  volumes: Volume[];
  overlay?: Overlay | undefined;
}

/**
 * Rules on a template spec (and on instance specs, which inline it). `T` is the full spec type of the component;
 * the rules read only `volumes` and `overlay`, which every template spec has.
 */
export function templateSpecRules<T>(): Rule<T>[] {
  return commonTemplateRules as unknown as Rule<T>[];
}

const commonTemplateRules: Rule<CommonTemplateSpec>[] = [
  {
    cel: `self.volumes.exists(v, v.name == '${DATA_VOLUME}')`,
    message: `volumes must include a volume named ${DATA_VOLUME}`,
    field: ['volumes'],
    check: (self) => self.volumes.some((vol) => vol.name === DATA_VOLUME),
  },
  {
    cel: '!has(self.overlay) || !has(self.overlay.volumeClaims) || self.overlay.volumeClaims.all(c, self.volumes.exists(v, v.name == c.name))',
    message: 'overlay.volumeClaims names must name volumes in volumes',
    field: ['overlay', 'volumeClaims'],
    check: (self) => (self.overlay?.volumeClaims ?? []).every((c) => self.volumes.some((vol) => vol.name === c.name)),
  },
];

/** The image to run: the template's, or the component repository tagged with the version (leading v added). */
export function resolveImage(spec: { version: string; image?: string | undefined }, imageRepository: string): string {
  if (spec.image) return spec.image;
  const tag = spec.version.startsWith('v') ? spec.version : `v${spec.version}`;
  return `${imageRepository}:${tag}`;
}
