// The corrected CustomResourceDefinition of the legacy TikvCluster. The legacy one (manifests/crd.v1beta1.yaml)
// no longer installs: apiextensions.k8s.io/v1beta1 was removed in Kubernetes 1.22. Moving it to v1 as it is would
// not do either: v1 always prunes the fields a schema does not declare, and `{type: object}` declares none, so
// every stored TikvCluster would lose its spec and status. This one is v1, structural, and built from the schema
// in api.ts. It is opt-in (crds/legacy/, never installed with the operator's own CRDs).
//
// No status subresource, on purpose: the legacy operator writes its status with a plain update of the whole
// object, and a status subresource would make the apiserver drop those writes while both operators run.
import YAML from 'yaml';
import type { CustomResourceDefinition } from '../../core/api/crd.ts';
import { type JSONSchemaProps, structuralProblems, toOpenApi, toStructural } from '../../core/api/json-schema.ts';
import type { PrinterColumn } from '../../core/api/kind.ts';
import {
  LEGACY_API_FEATURE_GATE,
  LEGACY_API_GROUP,
  LEGACY_API_VERSION,
  LEGACY_KIND,
  LEGACY_PLURAL,
  legacySpecSchema,
  legacyStatusSchema,
} from './api.ts';

/** Where the generated CRD is committed, relative to the repository root. */
export const LEGACY_CRD_PATH = `crds/legacy/${LEGACY_API_GROUP}_${LEGACY_PLURAL}.yaml`;
export const LEGACY_CRD_GENERATOR = 'hack/generate-legacy-crd.ts';

/** The legacy CRD: like core's, minus the status subresource (see the header). */
export type LegacyCustomResourceDefinition = Omit<CustomResourceDefinition, 'spec'> & {
  spec: Omit<CustomResourceDefinition['spec'], 'versions'> & {
    versions: (Omit<CustomResourceDefinition['spec']['versions'][number], 'subresources'> & {
      subresources?: undefined;
    })[];
  };
};

const printerColumns: PrinterColumn[] = [
  { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
  { name: 'PD', type: 'string', jsonPath: '.status.pd.image', description: 'Image of the PD members' },
  { name: 'PD-Desired', type: 'integer', jsonPath: '.spec.pd.replicas', description: 'Desired PD members' },
  {
    name: 'PD-Ready',
    type: 'integer',
    jsonPath: '.status.pd.statefulSet.readyReplicas',
    description: 'Ready PD members',
  },
  { name: 'TiKV', type: 'string', jsonPath: '.status.tikv.image', description: 'Image of the TiKV stores' },
  { name: 'TiKV-Desired', type: 'integer', jsonPath: '.spec.tikv.replicas', description: 'Desired TiKV stores' },
  {
    name: 'TiKV-Ready',
    type: 'integer',
    jsonPath: '.status.tikv.statefulSet.readyReplicas',
    description: 'Ready TiKV stores',
  },
  {
    name: 'Converted',
    type: 'boolean',
    jsonPath: '.status.converted',
    description: 'Converted to the new API (Cluster, PDGroup, TiKVGroup)',
  },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  {
    name: 'Cluster',
    type: 'string',
    jsonPath: '.status.convertedTo.cluster',
    description: 'The Cluster it was converted to',
    priority: 1,
  },
  { name: 'Status', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].message', priority: 1 },
];

export function legacyOpenApiSchema(): JSONSchemaProps {
  return toStructural({
    type: 'object',
    description: `A TiKV cluster of the unmaintained tikv-operator. Served for migration only (feature gate ${LEGACY_API_FEATURE_GATE}); convert it with \`tikv-operator migrate convert\`.`,
    required: ['spec'],
    properties: {
      apiVersion: { type: 'string', description: 'APIVersion of this object.' },
      kind: { type: 'string', description: 'Kind of this object.' },
      metadata: { type: 'object', properties: { name: { type: 'string' } } },
      spec: toOpenApi(legacySpecSchema as never),
      status: toOpenApi(legacyStatusSchema as never),
    },
  });
}

/** The CRD. Throws when the schema is not structural: the apiserver would refuse it. */
export function buildLegacyCrd(): LegacyCustomResourceDefinition {
  const openAPIV3Schema = legacyOpenApiSchema();
  const problems = structuralProblems(openAPIV3Schema);
  if (problems.length > 0) throw new Error(`${LEGACY_KIND}: schema is not structural:\n  ${problems.join('\n  ')}`);
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${LEGACY_PLURAL}.${LEGACY_API_GROUP}` },
    spec: {
      group: LEGACY_API_GROUP,
      names: {
        kind: LEGACY_KIND,
        listKind: `${LEGACY_KIND}List`,
        plural: LEGACY_PLURAL,
        singular: LEGACY_KIND.toLowerCase(),
      },
      scope: 'Namespaced',
      versions: [
        {
          name: LEGACY_API_VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema },
          additionalPrinterColumns: printerColumns,
        },
      ],
    },
  };
}

/** The committed file: the CRD as YAML with a header saying where it comes from. */
export function legacyCrdYaml(crd: LegacyCustomResourceDefinition = buildLegacyCrd()): string {
  // No YAML anchors: the same enum objects appear in several places and must be written out each time.
  return `# Generated by ${LEGACY_CRD_GENERATOR} from plugins/legacy/api.ts. Do not edit.\n# Opt-in: install it only to keep legacy TikvCluster objects readable during a migration (docs/migration.md).\n${YAML.stringify(crd, { lineWidth: 0, aliasDuplicateObjects: false })}`;
}
