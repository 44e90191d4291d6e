// The sample component's kinds: `SampleGroup` / `Sample` in core.tikv.org/v1alpha1, built from core's common
// pieces exactly like a real plugin's (see plugins/pd/api.ts), plus manifest builders for tests.
import * as v from 'valibot';
import type { Cluster } from '../../api/cluster.ts';
import { buildCrd, type CustomResourceDefinition } from '../../api/crd.ts';
import { defineGroupKind } from '../../api/group.ts';
import { defineInstanceKind } from '../../api/instance.ts';
import { commonTemplateEntries } from '../../api/template.ts';

/** The `tikv.org/component` label value of sample objects. */
export const SAMPLE_COMPONENT = 'sample';
export const SAMPLE_IMAGE_REPOSITORY = 'example.org/sample';
export const SAMPLE_DATA_DIRECTORY = '/var/lib/sample';
/** The one config key the operator manages: the member name. */
export const SAMPLE_MANAGED_CONFIG_KEYS = ['name'] as const;

const sampleTemplateEntries = commonTemplateEntries({
  component: 'Sample',
  imageRepository: SAMPLE_IMAGE_REPOSITORY,
  dataDirectory: SAMPLE_DATA_DIRECTORY,
  managedConfigKeys: SAMPLE_MANAGED_CONFIG_KEYS,
});

export const sampleGroupKind = defineGroupKind({
  kind: 'SampleGroup',
  plural: 'samplegroups',
  shortNames: [],
  component: SAMPLE_COMPONENT,
  description: "A group of sample members: core's test component.",
  templateEntries: sampleTemplateEntries,
  defaultReplicas: 1,
  statusEntries: {},
});

export const sampleKind = defineInstanceKind({
  kind: 'Sample',
  plural: 'samples',
  shortNames: [],
  component: SAMPLE_COMPONENT,
  description: "One sample member: core's test component.",
  templateEntries: sampleTemplateEntries,
  specEntries: {
    offline: v.optional(
      v.pipe(v.boolean(), v.description('Set by the group to remove the member safely (scale-in mode offline).')),
      false,
    ),
  },
  statusEntries: {
    memberId: v.optional(v.pipe(v.string(), v.description('Id of the member in the sample data plane.'))),
    memberState: v.optional(v.pipe(v.string(), v.description('Up, Removing or Removed.'))),
  },
  printerColumns: [{ name: 'State', type: 'string', jsonPath: '.status.memberState' }],
});

export const sampleKinds = [sampleGroupKind, sampleKind] as const;

/** The CRDs of both kinds, for `cp.api`-based installation in integration tests. */
export function sampleCrds(): CustomResourceDefinition[] {
  return sampleKinds.map((kind) => buildCrd(kind));
}

const API_VERSION = 'core.tikv.org/v1alpha1';

/** A Cluster manifest. */
export function sampleCluster(name: string, namespace: string, spec: Partial<Cluster['spec']> = {}): Cluster {
  return { apiVersion: API_VERSION, kind: 'Cluster', metadata: { name, namespace }, spec: spec as Cluster['spec'] };
}

/** The template spec every sample manifest starts from: version 1.0.0 and a 1Gi data volume. */
export function sampleTemplateSpec(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { version: '1.0.0', volumes: [{ name: 'data', storage: '1Gi' }], ...overrides };
}

/** A SampleGroup manifest. */
export function sampleGroup(
  name: string,
  namespace: string,
  opts: { cluster: string; replicas?: number; template?: Record<string, unknown>; spec?: Record<string, unknown> },
) {
  return {
    apiVersion: API_VERSION,
    kind: 'SampleGroup',
    metadata: { name, namespace },
    spec: {
      cluster: { name: opts.cluster },
      replicas: opts.replicas ?? 1,
      template: { spec: sampleTemplateSpec(opts.template) },
      ...opts.spec,
    },
  };
}

/**
 * A Sample instance manifest as a group would write it (labels managed-by, cluster, component, group,
 * instance-revision-hash; subdomain `<group>-peer`). `spec` overrides template fields.
 */
export function sampleInstance(
  name: string,
  namespace: string,
  opts: {
    cluster: string;
    group: string;
    revision?: string;
    spec?: Record<string, unknown>;
    labels?: Record<string, string>;
  },
) {
  return {
    apiVersion: API_VERSION,
    kind: 'Sample',
    metadata: {
      name,
      namespace,
      labels: {
        'tikv.org/managed-by': 'tikv-operator',
        'tikv.org/cluster': opts.cluster,
        'tikv.org/component': SAMPLE_COMPONENT,
        'tikv.org/group': opts.group,
        'tikv.org/instance-revision-hash': opts.revision ?? 'rev-1',
        ...opts.labels,
      },
    },
    spec: {
      cluster: { name: opts.cluster },
      subdomain: `${opts.group}-peer`,
      ...sampleTemplateSpec(opts.spec),
    },
  };
}
