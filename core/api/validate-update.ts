// Runtime mirror of the CEL transition rules (the ones that read `oldSelf`). The apiserver evaluates a transition
// rule only where it can pair the new value with the old one: object fields by name, map entries by key, and
// items of `x-kubernetes-list-type: map` lists by their keys. This walks the valibot schema with the same pairing.
import type * as v from 'valibot';
import type { FieldIssue, KindDefinition } from './kind.ts';
import { isRulesAction } from './rules.ts';

interface SchemaNode {
  type: string;
  pipe?: readonly unknown[];
  wrapped?: SchemaNode;
  entries?: Record<string, SchemaNode>;
  item?: SchemaNode;
  value?: SchemaNode;
}

const wrappers = new Set(['optional', 'exact_optional', 'nullable', 'nullish', 'undefinedable', 'non_optional']);

/**
 * Transition-rule violations of an update from `oldObject` to `newObject`. Pass objects that already passed
 * `parseObject` (defaults applied), as the apiserver validates defaulted objects.
 */
export function validateUpdate(kind: KindDefinition, oldObject: unknown, newObject: unknown): FieldIssue[] {
  const issues: FieldIssue[] = [];
  walk(kind.schema as unknown as SchemaNode, newObject, oldObject, [], issues);
  return issues;
}

function walk(schema: SchemaNode, next: unknown, prev: unknown, path: (string | number)[], issues: FieldIssue[]): void {
  if (next === undefined || next === null || prev === undefined || prev === null) return;
  let node = schema;
  const pipeItems: unknown[] = [];
  for (;;) {
    if (node.pipe) pipeItems.push(...flattenPipe(node.pipe));
    if (!wrappers.has(node.type) || !node.wrapped) break;
    node = node.wrapped;
  }
  for (const item of pipeItems) {
    if (!isRulesAction(item)) continue;
    for (const rule of item.rules) {
      if (rule.transition && !rule.transition(next, prev)) {
        issues.push({ path: [...path, ...(rule.field ?? [])].join('.'), message: rule.message });
      }
    }
  }
  if (node.entries && isRecord(next) && isRecord(prev)) {
    for (const [key, entry] of Object.entries(node.entries)) walk(entry, next[key], prev[key], [...path, key], issues);
  } else if (node.type === 'record' && node.value && isRecord(next) && isRecord(prev)) {
    for (const key of Object.keys(next)) walk(node.value, next[key], prev[key], [...path, key], issues);
  } else if (node.type === 'array' && node.item && Array.isArray(next) && Array.isArray(prev)) {
    const keys = listMapKeys(pipeItems);
    if (!keys) return; // atomic lists: items are not paired, as in the apiserver
    const identity = (entry: unknown) => JSON.stringify(keys.map((k) => (isRecord(entry) ? entry[k] : undefined)));
    const previous = new Map(prev.map((entry) => [identity(entry), entry]));
    next.forEach((entry, index) => {
      const old = previous.get(identity(entry));
      if (old !== undefined) walk(node.item as SchemaNode, entry, old, [...path, index], issues);
    });
  }
}

function flattenPipe(pipe: readonly unknown[]): unknown[] {
  // A pipe whose first item is itself a pipe nests; the actions of both apply.
  return pipe.flatMap((item) => {
    const nested = (item as { pipe?: readonly unknown[] }).pipe;
    return nested ? flattenPipe(nested) : [item];
  });
}

function listMapKeys(pipeItems: readonly unknown[]): string[] | undefined {
  for (const item of pipeItems) {
    const metadata = (item as Partial<v.MetadataAction<unknown, Record<string, unknown>>>).metadata;
    if (item && (item as { type?: string }).type === 'metadata' && metadata?.['x-kubernetes-list-type'] === 'map') {
      return metadata['x-kubernetes-list-map-keys'] as string[];
    }
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
