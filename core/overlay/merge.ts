// The overlay merge: how a user's partial object is laid over a complete object the operator rendered.
// The rules (the lead copies them into docs/; `overlay.test.ts` has every example as a test):
//
// 1. Objects and maps merge key by key, recursively. A key the overlay does not mention keeps the rendered value.
//      rendered  { nodeSelector: { zone: 'a' } }     overlay  { nodeSelector: { disk: 'ssd' } }
//      result    { nodeSelector: { zone: 'a', disk: 'ssd' } }
// 2. A scalar in the overlay wins, including zero values: `false`, `0` and `""` are values, not "unset".
//      rendered  { enableServiceLinks: true }         overlay  { enableServiceLinks: false }
//      result    { enableServiceLinks: false }
// 3. `null` deletes: the key is removed from the result (an operator default can be taken away).
//      rendered  { resources: { limits: { cpu: '2', memory: '4Gi' } } }
//      overlay   { resources: { limits: { cpu: null } } }
//      result    { resources: { limits: { memory: '4Gi' } } }
// 4. Lists that Kubernetes declares as maps merge item by item on their key; an overlay item with a new key is
//    appended, an item with an existing key merges into it (rules 1 to 5 apply inside), the order of the
//    rendered list is kept. An item `{ <key>, $patch: 'delete' }` removes the rendered item with that key.
//      rendered  { containers: [{ name: 'tikv', env: [{ name: 'A', value: '1' }] }] }
//      overlay   { containers: [{ name: 'tikv', env: [{ name: 'B', value: '2' }] }, { name: 'sidecar', image: 'x' }] }
//      result    { containers: [{ name: 'tikv', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] },
//                               { name: 'sidecar', image: 'x' }] }
//    Keys: containers, initContainers, ephemeralContainers, volumes, imagePullSecrets, resourceClaims,
//    schedulingGates, env by `name`; volumeMounts by `mountPath`; volumeDevices by `devicePath`; ports by
//    `containerPort` + `protocol` (protocol defaults to TCP); hostAliases by `ip`; topologySpreadConstraints by
//    `topologyKey` + `whenUnsatisfiable`. An overlay item without its key is an error.
// 5. Every other list is atomic: the overlay's list replaces the rendered one whole (command, args, envFrom,
//    tolerations, readinessGates, accessModes, affinity terms, ...). `[]` therefore empties an atomic list;
//    on a keyed list `[]` changes nothing, and `null` removes the whole list.
// 6. One-of fields replace each other: setting one member of a union drops the rendered value of the others,
//    so the result stays valid: env `value` / `valueFrom`; the `valueFrom` sources; a probe's or lifecycle
//    hook's handler (`exec` / `httpGet` / `tcpSocket` / `grpc` / `sleep`); a volume's source (`emptyDir` /
//    `persistentVolumeClaim` / `configMap` / ...).
//      rendered  { readinessProbe: { tcpSocket: { port: 2379 }, periodSeconds: 10 } }
//      overlay   { readinessProbe: { httpGet: { path: '/ready', port: 2379 } } }
//      result    { readinessProbe: { httpGet: { path: '/ready', port: 2379 }, periodSeconds: 10 } }
//
// Unlike tidb-operator v2 (where a zero value in the overlay is ignored), rules 2 and 3 let the overlay set
// any field to any value. To carry `null` through the apiserver, the CRD schema of the overlay must keep nulls
// (nullable fields, or x-kubernetes-preserve-unknown-fields).

/** A list merged item by item: the fields that identify an item, and defaults for absent key fields. */
export interface KeyedList {
  keys: readonly string[];
  defaults?: Readonly<Record<string, string | number>>;
}

/**
 * Where the merge deviates from "objects merge, lists are atomic". Paths are dot-separated field names from
 * the merged object's root, with `[]` for "any item of this list": `spec.containers[].env`.
 */
export interface MergeRules {
  keyedLists: Readonly<Record<string, KeyedList>>;
  /** One-of groups at an object path: setting one member drops the others. */
  unions: Readonly<Record<string, readonly (readonly string[])[]>>;
}

/** An overlay that cannot be applied; `path` says where (for the status condition and the event). */
export class OverlayError extends Error {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`overlay ${path}: ${problem}`);
    this.name = 'OverlayError';
  }
}

type JsonObject = Record<string, unknown>;

/**
 * Decides the merged object: `overlay` laid over `base` by the rules above. Inputs are not modified and the
 * result shares nothing with them. Throws `OverlayError` for a keyed-list item without its key.
 */
export function mergeOverlay<T>(base: T, overlay: unknown, rules: MergeRules): T {
  return merge(structuredClone(base), overlay, rules, '') as T;
}

function merge(base: unknown, overlay: unknown, rules: MergeRules, path: string): unknown {
  if (overlay === undefined) return base;
  if (overlay === null) return undefined;
  if (Array.isArray(overlay)) {
    const keyed = rules.keyedLists[path];
    if (keyed) return mergeKeyedList(Array.isArray(base) ? base : [], overlay, keyed, rules, path);
    return overlay.filter((item) => item !== null).map((item) => merge(undefined, item, rules, `${path}[]`));
  }
  if (!isObject(overlay)) return overlay;

  const result: JsonObject = isObject(base) ? base : {};
  for (const group of rules.unions[path] ?? []) {
    const chosen = group.filter((member) => overlay[member] !== undefined && overlay[member] !== null);
    if (chosen.length === 0) continue;
    for (const member of group) if (!chosen.includes(member)) delete result[member];
  }
  for (const [key, value] of Object.entries(overlay)) {
    const merged = merge(result[key], value, rules, path === '' ? key : `${path}.${key}`);
    if (merged === undefined) delete result[key];
    else result[key] = merged;
  }
  return result;
}

function mergeKeyedList(
  base: unknown[],
  overlay: unknown[],
  list: KeyedList,
  rules: MergeRules,
  path: string,
): unknown[] {
  const result = [...base];
  for (const [index, item] of overlay.entries()) {
    if (item === null) continue;
    if (!isObject(item))
      throw new OverlayError(`${path}[${index}]`, `must be an object with ${list.keys.join(' and ')}`);
    const key = itemKey(item, list);
    if (key === undefined) throw new OverlayError(`${path}[${index}]`, `has no ${list.keys.join(' and ')} to merge by`);
    const at = result.findIndex((b) => isObject(b) && itemKey(b, list) === key);
    if (item.$patch === 'delete') {
      if (at >= 0) result.splice(at, 1);
      continue;
    }
    const { $patch: _directive, ...fields } = item;
    if (at >= 0) result[at] = merge(result[at], fields, rules, `${path}[]`);
    else result.push(merge(undefined, fields, rules, `${path}[]`));
  }
  return result;
}

function itemKey(item: JsonObject, list: KeyedList): string | undefined {
  const parts: unknown[] = [];
  for (const field of list.keys) {
    const value = item[field] ?? list.defaults?.[field];
    if (value === undefined || value === null) return undefined;
    parts.push(value);
  }
  return JSON.stringify(parts);
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
