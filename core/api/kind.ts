// A kind of the API: its names, its valibot schemas (the single source of truth), and what the CRD adds on top
// (printer columns, scale subresource, selectable fields). `parseObject` is the runtime mirror of admission.
import * as v from 'valibot';
import type { ObjectMeta, ResourceKind } from '../kube/object.ts';
import { API_GROUP, API_GROUP_VERSION, API_VERSION } from './api-version.ts';
import { DNS1035_LABEL_PATTERN } from './names.ts';
import { type Rule, withRules } from './rules.ts';

/** Where a kind sits in the three layers. */
export type KindRole = 'cluster' | 'group' | 'instance';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  /** 0: always shown; 1: only with `-o wide`. */
  priority?: number;
}

export interface ScaleSubresource {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

/** An object of a kind, as stored by the apiserver (after defaulting). */
export interface KindObject<TSpec, TStatus> {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: TSpec;
  status?: TStatus | undefined;
}

type AnySchema = v.GenericSchema<unknown, unknown>;

export interface KindOptions<TSpec extends AnySchema, TStatus extends AnySchema> {
  kind: string;
  plural: string;
  shortNames?: readonly string[];
  categories: readonly string[];
  description: string;
  role: KindRole;
  /** Component name (`pd`, `tikv`) for groups and instances: the `tikv.org/component` label value. */
  component?: string;
  /** Schema of `spec`; wrap it in `v.optional(..., {})` when an empty spec is valid. */
  spec: TSpec;
  status: TStatus;
  /** Longest metadata.name; chosen so that every derived name stays a DNS label (see names.ts). */
  maxNameLength: number;
  /** Why the name is limited, for the error message ("`<group>-<ordinal>` instance names ..."). */
  nameLengthReason: string;
  printerColumns: readonly PrinterColumn[];
  scale?: ScaleSubresource;
  /** JSONPaths usable in field selectors (`spec.cluster.name=basic`). */
  selectableFields?: readonly string[];
}

export interface KindDefinition<TSpec extends AnySchema = AnySchema, TStatus extends AnySchema = AnySchema>
  extends Omit<KindOptions<TSpec, TStatus>, 'kind' | 'plural' | 'shortNames' | 'selectableFields'> {
  resource: ResourceKind;
  singular: string;
  listKind: string;
  shortNames: readonly string[];
  selectableFields: readonly string[];
  /** Rules on the whole object (metadata.name); the CRD puts them at the schema root. */
  rootRules: readonly Rule<KindObject<unknown, unknown>>[];
  /** The whole object: apiVersion, kind, metadata, spec, status, with the root rules. */
  schema: v.GenericSchema<unknown, KindObject<v.InferOutput<TSpec>, v.InferOutput<TStatus>>>;
}

/** The stored object type of a kind definition. */
export type ObjectOf<K> =
  K extends KindDefinition<infer S, infer T> ? KindObject<v.InferOutput<S>, v.InferOutput<T>> : never;
/** The spec as users may write it (fields with defaults are optional). */
export type SpecInputOf<K> = K extends KindDefinition<infer S, AnySchema> ? v.InferInput<S> : never;

const metadataSchema = v.custom<ObjectMeta>(
  (input) =>
    typeof input === 'object' &&
    input !== null &&
    typeof (input as { name?: unknown }).name === 'string' &&
    (input as { name: string }).name.length > 0,
  'metadata.name is required',
);

export function defineKind<TSpec extends AnySchema, TStatus extends AnySchema>(
  opts: KindOptions<TSpec, TStatus>,
): KindDefinition<TSpec, TStatus> {
  const rootRules: Rule<KindObject<unknown, unknown>>[] = [
    {
      cel: `size(self.metadata.name) <= ${opts.maxNameLength}`,
      message: `metadata.name must be at most ${opts.maxNameLength} characters: ${opts.nameLengthReason}`,
      field: ['metadata', 'name'],
      check: (self) => self.metadata.name.length <= opts.maxNameLength,
    },
    {
      cel: `self.metadata.name.matches('${DNS1035_LABEL_PATTERN}')`,
      message:
        'metadata.name must be a DNS-1035 label: lower-case letters, digits and "-", starting with a letter and ending with a letter or digit',
      field: ['metadata', 'name'],
      check: (self) => new RegExp(DNS1035_LABEL_PATTERN).test(self.metadata.name),
    },
  ];
  const objectSchema = v.object({
    apiVersion: v.optional(v.literal(API_GROUP_VERSION), API_GROUP_VERSION),
    kind: v.optional(v.literal(opts.kind), opts.kind),
    metadata: metadataSchema,
    spec: opts.spec,
    status: v.optional(opts.status),
  });
  const schema = withRules(objectSchema, rootRules as Rule<unknown>[]) as unknown as KindDefinition<
    TSpec,
    TStatus
  >['schema'];
  const { kind, plural, shortNames, selectableFields, ...rest } = opts;
  return {
    ...rest,
    resource: { group: API_GROUP, version: API_VERSION, kind, plural, namespaced: true },
    singular: kind.toLowerCase(),
    listKind: `${kind}List`,
    shortNames: shortNames ?? [],
    selectableFields: selectableFields ?? [],
    rootRules,
    schema,
  };
}

export interface FieldIssue {
  /** Dotted path of the field (`spec.template.spec.volumes.0.storage`); empty for the object itself. */
  path: string;
  message: string;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; issues: FieldIssue[] };

/** Validates an object like admission does (schema and static rules) and applies the schema defaults. */
export function parseObject<K extends KindDefinition>(kind: K, input: unknown): ParseResult<ObjectOf<K>> {
  const result = v.safeParse(kind.schema, input);
  if (result.success) return { ok: true, value: result.output as ObjectOf<K> };
  return { ok: false, issues: result.issues.map(toFieldIssue) };
}

function toFieldIssue(issue: v.BaseIssue<unknown>): FieldIssue {
  return { path: v.getDotPath(issue) ?? '', message: issue.message };
}

/** Human-readable summary of issues, one per line: `spec.replicas: must be >= 0`. */
export function formatIssues(issues: readonly FieldIssue[]): string {
  return issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('\n');
}
