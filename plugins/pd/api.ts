// PD's kinds: PDGroup (replicas, template) and PD (one member), built from core's common pieces.
import * as v from 'valibot';
import { type ConfigValidation, validateTomlConfig } from '../../core/api/config.ts';
import { defineGroupKind } from '../../core/api/group.ts';
import { defineInstanceKind } from '../../core/api/instance.ts';
import { type ObjectOf, parseObject, type SpecInputOf } from '../../core/api/kind.ts';
import type { Rule } from '../../core/api/rules.ts';
import { commonTemplateEntries } from '../../core/api/template.ts';

/** The `tikv.org/component` label value of PD objects. */
export const PD_COMPONENT = 'pd';
export const PD_IMAGE_REPOSITORY = 'pingcap/pd';
export const PD_DATA_DIRECTORY = '/var/lib/pd';

/** Config keys the operator renders for every PD member (identity, addresses, bootstrap or join). */
export const PD_MANAGED_CONFIG_KEYS = [
  'name',
  'data-dir',
  'client-urls',
  'peer-urls',
  'advertise-client-urls',
  'advertise-peer-urls',
  'initial-cluster',
  'initial-cluster-state',
  'join',
] as const;

/** Condition types of PD instances, on top of core's Running, Ready, Synced and Suspended. */
export const pdConditionTypes = {
  /** The member is the PD leader. */
  Leader: 'Leader',
  /** The member has joined the PD cluster (it is listed in PD's members). */
  Initialized: 'Initialized',
} as const;

/** PD's `join` flag: one or more PD client URLs, comma separated. */
export const PD_JOIN_PATTERN = /^https?:\/\/[^\s,/]+(\/[^\s,]*)?(,https?:\/\/[^\s,/]+(\/[^\s,]*)?)*$/;

/**
 * `spec.join`: the group's members join the PD cluster at this URL instead of bootstrapping a new one. It may be
 * changed (a wrong URL) but not removed: without it a group whose members never reached PD would be free to
 * bootstrap, and a second PD cluster next to existing stores is what invariant 3 forbids (bootstrap.ts).
 */
const pdGroupSpecEntries = {
  join: v.optional(
    v.pipe(
      v.string(),
      v.maxLength(1024),
      v.regex(PD_JOIN_PATTERN, 'join is one or more PD client URLs (http://host:2379), comma separated'),
      v.description(
        "PD client URL(s) of an existing PD cluster (for example a legacy `http://<name>-pd.<ns>.svc:2379`) that the members of this group join instead of bootstrapping a new PD cluster. Members join through it until a member of the Cluster's own PD group serves, then through the Cluster's PD Service. Can be changed, not removed.",
      ),
    ),
  ),
};

const pdGroupSpecRules: Rule<Record<string, unknown>>[] = [
  {
    cel: '!has(oldSelf.join) || has(self.join)',
    message: 'join cannot be removed: a PD group created to join an existing PD cluster never bootstraps one',
    field: ['join'],
    reason: 'FieldValueForbidden',
    transition: (self, oldSelf) => oldSelf.join === undefined || self.join !== undefined,
  },
];

const pdTemplateEntries = commonTemplateEntries({
  component: 'PD',
  imageRepository: PD_IMAGE_REPOSITORY,
  dataDirectory: PD_DATA_DIRECTORY,
  managedConfigKeys: PD_MANAGED_CONFIG_KEYS,
});

export const pdGroupKind = defineGroupKind({
  kind: 'PDGroup',
  plural: 'pdgroups',
  shortNames: ['pdg'],
  component: PD_COMPONENT,
  description:
    'A group of PD members of one Cluster. The operator creates the PD instances `<group>-<ordinal>`, a headless Service `<group>-peer` and the client Service `<group>` (port 2379).',
  templateEntries: pdTemplateEntries,
  defaultReplicas: 3,
  statusEntries: {},
  specEntries: pdGroupSpecEntries,
  specRules: pdGroupSpecRules,
});

export const pdKind = defineInstanceKind({
  kind: 'PD',
  plural: 'pds',
  shortNames: [],
  component: PD_COMPONENT,
  description:
    'One PD member: its Pod, ConfigMap and PVCs. Written by its PDGroup; deleting it replaces the member safely (leader transferred first, quorum kept).',
  templateEntries: pdTemplateEntries,
  specEntries: {},
  statusEntries: {
    memberId: v.optional(
      v.pipe(
        v.string(),
        v.regex(/^[0-9]+$/, 'memberId is a decimal member id'),
        v.description('PD member id. A string: it is a uint64 and does not fit a JSON number.'),
      ),
    ),
    isLeader: v.optional(v.pipe(v.boolean(), v.description('Whether this member is the PD leader.'))),
  },
  printerColumns: [
    { name: 'Leader', type: 'boolean', jsonPath: '.status.isLeader' },
    { name: 'MemberID', type: 'string', jsonPath: '.status.memberId', priority: 1 },
  ],
});

export const pdKinds = [pdGroupKind, pdKind] as const;

export type PDGroup = ObjectOf<typeof pdGroupKind>;
export type PD = ObjectOf<typeof pdKind>;
export type PDGroupSpec = PDGroup['spec'];
export type PDSpec = PD['spec'];
export type PDTemplateSpec = PDGroupSpec['template']['spec'];
/** A PDGroup spec as users write it (defaulted fields optional). */
export type PDGroupSpecInput = SpecInputOf<typeof pdGroupKind>;

export function parsePDGroup(input: unknown) {
  return parseObject(pdGroupKind, input);
}

export function parsePD(input: unknown) {
  return parseObject(pdKind, input);
}

/** Parses a PD config (TOML) and rejects the keys the operator manages. */
export function validatePDConfig(toml: string): ConfigValidation {
  return validateTomlConfig(toml, PD_MANAGED_CONFIG_KEYS);
}
