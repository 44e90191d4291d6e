// TiKV's kinds: TiKVGroup (replicas, template, store labels) and TiKV (one store, with two-step offline).
import * as v from 'valibot';
import { type ConfigValidation, validateTomlConfig } from '../../core/api/config.ts';
import { duration } from '../../core/api/fields.ts';
import { defineGroupKind } from '../../core/api/group.ts';
import { defineInstanceKind } from '../../core/api/instance.ts';
import { type ObjectOf, parseObject, type SpecInputOf } from '../../core/api/kind.ts';
import { celString, rules } from '../../core/api/rules.ts';
import { commonTemplateEntries } from '../../core/api/template.ts';

/** The `tikv.org/component` label value of TiKV objects. */
export const TIKV_COMPONENT = 'tikv';
export const TIKV_IMAGE_REPOSITORY = 'pingcap/tikv';
export const TIKV_DATA_DIRECTORY = '/var/lib/tikv';

/** Config keys the operator renders for every store (addresses, data directory, PD endpoints). */
export const TIKV_MANAGED_CONFIG_KEYS = [
  'server.addr',
  'server.advertise-addr',
  'server.status-addr',
  'server.advertise-status-addr',
  'storage.data-dir',
  'pd.endpoints',
] as const;

/**
 * Store labels the operator sets from the instance's node (its topology): PD's location labels. Users cannot set
 * them in `storeLabels`, so PD's view of placement always matches where the Pod runs.
 */
export const TOPOLOGY_STORE_LABELS = {
  zone: 'topology.kubernetes.io/zone',
  region: 'topology.kubernetes.io/region',
  host: 'kubernetes.io/hostname',
} as const;

/** Condition types of TiKV instances, on top of core's Running, Ready, Synced and Suspended. */
export const tikvConditionTypes = {
  /** Leaders moved away before a restart or removal (True), in progress or timed out (False). */
  LeadersEvicted: 'LeadersEvicted',
  /** `spec.offline`: the store is being removed through PD (False) or is removed (True). */
  Offlined: 'Offlined',
} as const;

// PD's format for store label keys and values (server/core: ValidateLabels), minus the `$` prefix PD reserves.
const STORE_LABEL_KEY_PATTERN = '^[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$';
const STORE_LABEL_VALUE_PATTERN = '^[-A-Za-z0-9_./]+$';
const topologyKeys = Object.keys(TOPOLOGY_STORE_LABELS);

const storeLabelsField = v.optional(
  v.pipe(
    v.record(
      v.string(),
      v.pipe(
        v.string(),
        v.maxLength(128),
        v.regex(
          new RegExp(STORE_LABEL_VALUE_PATTERN),
          'storeLabels values must be non-empty: letters, digits, "-", "_", "." or "/"',
        ),
      ),
    ),
    v.maxEntries(32),
    v.description(
      `Extra labels of every store, reported to PD. \`${topologyKeys.join('`, `')}\` are set by the operator from the node and cannot be used.`,
    ),
    v.examples([{ disk: 'nvme' }]),
    rules<Record<string, string>>(
      {
        cel: `self.all(k, !(k in [${topologyKeys.map(celString).join(', ')}]))`,
        message: `storeLabels must not set ${topologyKeys.join(', ')}: the operator derives them from the node`,
        check: (self) => !Object.keys(self).some((k) => topologyKeys.includes(k)),
      },
      {
        cel: `self.all(k, k.matches(${celString(STORE_LABEL_KEY_PATTERN)}))`,
        message:
          'storeLabels keys must be letters, digits, "-", "_", "." or "/", starting and ending with a letter or digit',
        check: (self) => Object.keys(self).every((k) => new RegExp(STORE_LABEL_KEY_PATTERN).test(k)),
      },
    ),
  ),
);

const tikvTemplateEntries = {
  ...commonTemplateEntries({
    component: 'TiKV',
    imageRepository: TIKV_IMAGE_REPOSITORY,
    dataDirectory: TIKV_DATA_DIRECTORY,
    managedConfigKeys: TIKV_MANAGED_CONFIG_KEYS,
  }),
  storeLabels: storeLabelsField,
  evictLeaderTimeout: v.optional(
    duration(
      'Longest wait for leaders to leave a store before it restarts. When it passes, the restart or removal goes ahead, LeadersEvicted is False with reason EvictionTimedOut and a Warning event is recorded.',
      ['5m'],
    ),
    '5m',
  ),
};

export const tikvGroupKind = defineGroupKind({
  kind: 'TiKVGroup',
  plural: 'tikvgroups',
  shortNames: ['kvg'],
  component: TIKV_COMPONENT,
  description:
    'A group of TiKV stores of one Cluster. Several groups may serve one cluster (one per zone, or per hardware class).',
  templateEntries: tikvTemplateEntries,
  defaultReplicas: 3,
  statusEntries: {},
});

export const tikvKind = defineInstanceKind({
  kind: 'TiKV',
  plural: 'tikvs',
  shortNames: ['kv'],
  component: TIKV_COMPONENT,
  description:
    'One TiKV store: its Pod, ConfigMap and PVCs. Written by its TiKVGroup; `offline: true` removes the store through PD before the instance goes away.',
  templateEntries: tikvTemplateEntries,
  specEntries: {
    offline: v.optional(
      v.pipe(
        v.boolean(),
        v.description(
          'Set by the group to remove the store: leaders are evicted, the store is deleted in PD and the instance is deleted once PD reports it Removed. Setting it back to false cancels the removal until PD finishes.',
        ),
      ),
      false,
    ),
  },
  statusEntries: {
    storeId: v.optional(
      v.pipe(
        v.string(),
        v.regex(/^[0-9]+$/, 'storeId is a decimal store id'),
        v.description('PD store id. A string: it is a uint64 and does not fit a JSON number.'),
      ),
    ),
    storeState: v.optional(
      v.pipe(v.string(), v.description('Store state as PD reports it: Preparing, Serving, Removing or Removed.')),
    ),
  },
  printerColumns: [
    { name: 'StoreID', type: 'string', jsonPath: '.status.storeId' },
    { name: 'StoreState', type: 'string', jsonPath: '.status.storeState' },
    { name: 'Offline', type: 'boolean', jsonPath: '.spec.offline' },
  ],
});

export const tikvKinds = [tikvGroupKind, tikvKind] as const;

export type TiKVGroup = ObjectOf<typeof tikvGroupKind>;
export type TiKV = ObjectOf<typeof tikvKind>;
export type TiKVGroupSpec = TiKVGroup['spec'];
export type TiKVSpec = TiKV['spec'];
export type TiKVTemplateSpec = TiKVGroupSpec['template']['spec'];
/** A TiKVGroup spec as users write it (defaulted fields optional). */
export type TiKVGroupSpecInput = SpecInputOf<typeof tikvGroupKind>;

export function parseTiKVGroup(input: unknown) {
  return parseObject(tikvGroupKind, input);
}

export function parseTiKV(input: unknown) {
  return parseObject(tikvKind, input);
}

/** Parses a TiKV config (TOML) and rejects the keys the operator manages. */
export function validateTiKVConfig(toml: string): ConfigValidation {
  return validateTomlConfig(toml, TIKV_MANAGED_CONFIG_KEYS);
}
