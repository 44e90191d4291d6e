// Where two instance templates differ, as field paths, so each difference can be judged on its own (a label
// changes in place, an image change needs a restart). Lists of named items (volumes, containers) are
// compared by name, so reordering them is no difference and a change inside one names that item.

import { canonicalJson } from '../revision/canonical-json.ts';

/** One difference. */
export interface TemplateChange {
  /**
   * The path with list items as `[]`, for matching against rules: `['spec', 'volumes', '[]', 'storage']`.
   * Map keys stay whole segments even when they contain dots (`tikv.org/restartedAt`).
   */
  segments: string[];
  /** The path for people: `spec.volumes[data].storage`, `metadata.annotations["tikv.org/restartedAt"]`. */
  display: string;
}

/** Lists the paths where `before` and `after` differ (an added or removed key is a difference at that key). */
export function diffTemplates(before: unknown, after: unknown): TemplateChange[] {
  const changes: TemplateChange[] = [];
  walk(before, after, [], '', changes);
  return changes;
}

/**
 * Whether a change falls under `rule`, a dot-separated path with `[]` for list items (`spec.volumes[].storage`):
 * the rule's segments are a prefix of the change's.
 */
export function changeMatches(change: TemplateChange, rule: string): boolean {
  const ruleSegments = ruleToSegments(rule);
  return ruleSegments.length <= change.segments.length && ruleSegments.every((s, i) => change.segments[i] === s);
}

function ruleToSegments(rule: string): string[] {
  return rule.split('.').flatMap((part) => {
    const segments: string[] = [];
    let name = part;
    while (name.endsWith('[]')) {
      segments.unshift('[]');
      name = name.slice(0, -2);
    }
    return name === '' ? segments : [name, ...segments];
  });
}

function walk(before: unknown, after: unknown, segments: string[], display: string, out: TemplateChange[]): void {
  if (before === after) return;
  // A map or object that appears or disappears differs key by key, so each key is judged on its own.
  if (before === undefined && isObject(after)) before = {};
  if (after === undefined && isObject(before)) after = {};
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const key of keys) {
      if (before[key] === undefined && after[key] === undefined) continue;
      walk(before[key], after[key], [...segments, key], appendKey(display, key), out);
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after) && isNamedList(before) && isNamedList(after)) {
    const names = [...new Set([...before.map((i) => i.name), ...after.map((i) => i.name)])];
    for (const name of names) {
      const b = before.find((i) => i.name === name);
      const a = after.find((i) => i.name === name);
      // An item added or removed is one change of the item, never a set of field changes.
      if (a === undefined || b === undefined)
        out.push({ segments: [...segments, '[]'], display: `${display}[${name}]` });
      else walk(b, a, [...segments, '[]'], `${display}[${name}]`, out);
    }
    return;
  }
  if (canonicalJson(before) === canonicalJson(after)) return;
  out.push({ segments, display: display || '(root)' });
}

function appendKey(display: string, key: string): string {
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return display === '' ? key : `${display}.${key}`;
  return `${display}[${JSON.stringify(key)}]`;
}

function isNamedList(list: unknown[]): list is (Record<string, unknown> & { name: string })[] {
  return list.every((item) => isObject(item) && typeof item.name === 'string');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
