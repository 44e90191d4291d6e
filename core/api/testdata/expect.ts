// Helpers for schema tests: the runtime issues of an object, and the CEL rules the CRD carries at a field.
import { buildCrd } from '../crd.ts';
import type { JSONSchemaProps } from '../json-schema.ts';
import { formatIssues, type KindDefinition, parseObject } from '../kind.ts';
import type { Rule } from '../rules.ts';

/** `path: message` of every issue `parseObject` reports; empty when the object is valid. */
export function issuesOf(kind: KindDefinition, obj: unknown): string[] {
  const result = parseObject(kind, obj);
  return result.ok ? [] : result.issues.map((i) => formatIssues([i]));
}

/** The parsed (defaulted) object; throws with the issues when it is invalid. */
export function parsedOk<K extends KindDefinition>(kind: K, obj: unknown) {
  const result = parseObject(kind, obj);
  if (!result.ok) throw new Error(`expected a valid ${kind.resource.kind}:\n${formatIssues(result.issues)}`);
  return result.value;
}

/**
 * The schema node of the kind's CRD at a dotted path (`spec.template.spec.volumes[].storage`; `` for the root).
 * `[]` steps into list items, `*` into map values.
 */
export function crdNode(kind: KindDefinition, path: string): JSONSchemaProps {
  let node = buildCrd(kind).spec.versions[0]?.schema.openAPIV3Schema as JSONSchemaProps;
  for (const raw of path === '' ? [] : path.split('.')) {
    const isList = raw.endsWith('[]');
    const name = isList ? raw.slice(0, -2) : raw;
    const next = name === '*' ? (node.additionalProperties as JSONSchemaProps) : node.properties?.[name];
    if (!next) throw new Error(`no field ${name} in ${path}`);
    node = isList ? (next.items as JSONSchemaProps) : next;
  }
  return node;
}

/** The CEL rules (rule text) the CRD has at a field. */
export function celRulesAt(kind: KindDefinition, path: string): string[] {
  return (crdNode(kind, path)['x-kubernetes-validations'] ?? []).map((r) => r.rule);
}

/** The CEL messages the CRD has at a field. */
export function celMessagesAt(kind: KindDefinition, path: string): string[] {
  return (crdNode(kind, path)['x-kubernetes-validations'] ?? []).map((r) => r.message);
}

interface SchemaNode {
  pipe?: readonly SchemaNode[];
  wrapped?: SchemaNode;
  entries?: Record<string, SchemaNode>;
  item?: SchemaNode;
  value?: SchemaNode;
  rules?: readonly Rule<never>[];
  type?: string;
}

/** Every rule declared anywhere in the kind's valibot schema. */
export function declaredRules(kind: KindDefinition): Rule<never>[] {
  const found: Rule<never>[] = [];
  const seen = new Set<unknown>();
  const visit = (node: SchemaNode | undefined): void => {
    if (!node || seen.has(node)) return;
    seen.add(node);
    if (node.type === 'rules' && node.rules) found.push(...node.rules);
    for (const item of node.pipe ?? []) visit(item);
    visit(node.wrapped);
    visit(node.item);
    visit(node.value);
    for (const entry of Object.values(node.entries ?? {})) visit(entry);
  };
  visit(kind.schema as unknown as SchemaNode);
  return found;
}

/** Every x-kubernetes-validations entry of the kind's CRD. */
export function crdValidations(kind: KindDefinition): { rule: string; message: string }[] {
  const found: { rule: string; message: string }[] = [];
  const visit = (node: JSONSchemaProps | undefined): void => {
    if (!node) return;
    found.push(...(node['x-kubernetes-validations'] ?? []));
    for (const child of Object.values(node.properties ?? {})) visit(child);
    visit(node.items);
    if (typeof node.additionalProperties === 'object') visit(node.additionalProperties);
  };
  visit(buildCrd(kind).spec.versions[0]?.schema.openAPIV3Schema);
  return found;
}
