// Index functions most controllers need. The factories return the same function for the same argument, so
// several controllers can add "the same" index to one shared informer without a name clash.
import type { KubeObject } from '../kube/object.ts';
import type { IndexFunc } from './informer.ts';

/** The UIDs of all owners: "which Pods/ConfigMaps/PVCs belong to this instance?". */
export const byOwnerUid: IndexFunc<KubeObject> = (obj) => (obj.metadata.ownerReferences ?? []).map((r) => r.uid);

/** The UID of the controlling owner only (ownerReference with controller: true). */
export const byControllerUid: IndexFunc<KubeObject> = (obj) =>
  (obj.metadata.ownerReferences ?? []).filter((r) => r.controller === true).map((r) => r.uid);

const labelIndexes = new Map<string, IndexFunc<KubeObject>>();

/** The value of one label, for example `byLabel('tikv.org/cluster')`; objects without it are not indexed. */
export function byLabel(label: string): IndexFunc<KubeObject> {
  let fn = labelIndexes.get(label);
  if (!fn) {
    fn = (obj) => {
      const v = obj.metadata.labels?.[label];
      return v === undefined ? [] : [v];
    };
    labelIndexes.set(label, fn);
  }
  return fn;
}

const fieldIndexes = new Map<string, IndexFunc<KubeObject>>();

/**
 * The value at a dotted path, for example `byField('spec.cluster.name')`. Strings, numbers and booleans
 * index as their string form; an array of them indexes under each element; anything else is not indexed.
 */
export function byField(path: string): IndexFunc<KubeObject> {
  let fn = fieldIndexes.get(path);
  if (!fn) {
    const parts = path.split('.');
    fn = (obj) => {
      let cur: unknown = obj;
      for (const p of parts) {
        if (typeof cur !== 'object' || cur === null) return [];
        cur = (cur as Record<string, unknown>)[p];
      }
      return (Array.isArray(cur) ? cur : [cur]).filter(isScalar).map(String);
    };
    fieldIndexes.set(path, fn);
  }
  return fn;
}

function isScalar(v: unknown): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}
