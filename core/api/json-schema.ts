// valibot -> OpenAPI v3 (the dialect of CRD schemas). `toOpenApi` keeps documentation-only keys (examples) for
// the API reference; `toStructural` turns the result into what the apiserver accepts as a structural schema, and
// `structuralProblems` says what would make it reject it.
import { toJsonSchema } from '@valibot/to-json-schema';
import type * as v from 'valibot';
import { celValidations, isRulesAction } from './rules.ts';

/** An OpenAPI v3 schema node as used in CRDs (JSONSchemaProps), open for the x-kubernetes-* extensions. */
export interface JSONSchemaProps {
  type?: string;
  description?: string;
  properties?: Record<string, JSONSchemaProps>;
  items?: JSONSchemaProps;
  additionalProperties?: JSONSchemaProps | boolean;
  required?: string[];
  default?: unknown;
  enum?: unknown[];
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  anyOf?: JSONSchemaProps[];
  examples?: unknown[];
  'x-kubernetes-validations'?: { rule: string; message: string; fieldPath?: string; reason?: string }[];
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  [extension: string]: unknown;
}

/** OpenAPI v3 of a valibot schema, with rules as x-kubernetes-validations and examples kept. */
export function toOpenApi(schema: v.GenericSchema): JSONSchemaProps {
  return toJsonSchema(schema, {
    target: 'openapi-3.0',
    errorMode: 'throw',
    overrideAction: ({ valibotAction, jsonSchema }) => {
      if (!isRulesAction(valibotAction)) return undefined;
      const node = jsonSchema as Record<string, unknown>;
      const validations = celValidations(valibotAction.rules);
      const existing = (node['x-kubernetes-validations'] as unknown[] | undefined) ?? [];
      if (validations.length > 0) node['x-kubernetes-validations'] = [...existing, ...validations];
      return jsonSchema;
    },
  }) as JSONSchemaProps;
}

const VALUE_VALIDATIONS = ['pattern', 'minimum', 'maximum', 'minLength', 'maxLength', 'format'] as const;

/** A copy of the schema the apiserver accepts as structural (see `structuralProblems`). */
export function toStructural(node: JSONSchemaProps): JSONSchemaProps {
  const out: JSONSchemaProps = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'examples' || key === '$schema') continue;
    if (key === 'required' && Array.isArray(value) && value.length === 0) continue;
    if (key === 'properties') {
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, JSONSchemaProps>).map(([name, child]) => [name, toStructural(child)]),
      );
    } else if ((key === 'items' || key === 'additionalProperties') && typeof value === 'object' && value !== null) {
      // valibot writes `additionalProperties: {}` for record(string, unknown); preserve-unknown-fields says it.
      if (key === 'additionalProperties' && Object.keys(value).length === 0) continue;
      out[key] = toStructural(value as JSONSchemaProps);
    } else {
      out[key] = value;
    }
  }
  if (out['x-kubernetes-int-or-string'] && out.anyOf) {
    // Only the bare {integer} | {string} pair is allowed under anyOf; validations of the branches move up (the
    // apiserver applies `pattern` to strings only and `minimum` to numbers only, as the branches did).
    for (const branch of out.anyOf) {
      for (const key of VALUE_VALIDATIONS)
        if (branch[key] !== undefined) (out as Record<string, unknown>)[key] = branch[key];
    }
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  return out;
}

/** Reasons the apiserver would refuse the schema as non-structural, with the JSON path of each; empty if none. */
export function structuralProblems(node: JSONSchemaProps, path = ''): string[] {
  const problems: string[] = [];
  const at = path || '<root>';
  if ('$ref' in node || '$defs' in node) problems.push(`${at}: $ref/$defs are not allowed`);
  if ('examples' in node) problems.push(`${at}: examples is not a CRD schema field (use example)`);
  for (const junctor of ['anyOf', 'oneOf', 'allOf', 'not'] as const) {
    if (!(junctor in node)) continue;
    const intOrString =
      junctor === 'anyOf' &&
      node['x-kubernetes-int-or-string'] === true &&
      JSON.stringify(node.anyOf) === JSON.stringify([{ type: 'integer' }, { type: 'string' }]);
    if (!intOrString) problems.push(`${at}: ${junctor} is only allowed as the int-or-string pattern`);
  }
  const untyped = node['x-kubernetes-int-or-string'] === true || node['x-kubernetes-preserve-unknown-fields'] === true;
  if (!node.type && !untyped) problems.push(`${at}: no type`);
  if (node.additionalProperties === false) problems.push(`${at}: additionalProperties: false is not allowed`);
  if (node.additionalProperties !== undefined && node.properties !== undefined) {
    problems.push(`${at}: properties and additionalProperties are mutually exclusive`);
  }
  if (Array.isArray(node.required) && node.required.length === 0) problems.push(`${at}: empty required list`);
  // An object with no fields prunes everything written to it.
  const opaque = node.type === 'object' && node.properties === undefined && node.additionalProperties === undefined;
  if (opaque && !untyped) {
    problems.push(`${at}: object without properties, additionalProperties or x-kubernetes-preserve-unknown-fields`);
  }
  if (node['x-kubernetes-list-type'] === 'map') {
    for (const key of node['x-kubernetes-list-map-keys'] ?? []) {
      const item = node.items;
      if (!item?.required?.includes(key) && item?.properties?.[key]?.default === undefined) {
        problems.push(`${at}: list-map key ${key} must be required or defaulted in the items`);
      }
    }
  }
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    problems.push(...structuralProblems(child, `${path}.${name}`));
  }
  if (node.items) problems.push(...structuralProblems(node.items, `${path}[*]`));
  if (typeof node.additionalProperties === 'object') {
    problems.push(...structuralProblems(node.additionalProperties, `${path}.*`));
  }
  return problems;
}
