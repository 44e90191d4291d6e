// What the operator writes in a legacy TikvCluster's status while it serves the legacy API (feature gate
// LegacyTikvClusterAPI): whether the cluster was converted to the new API, when, and to which objects. Pure: the
// controller (controller.ts) hands in the cached objects and applies the decision.
//
// A TikvCluster `<tc>` counts as converted while its namespace holds
//   - a Cluster annotated `tikv.org/converted-from: TikvCluster/<tc>` (what `migrate convert` and `migrate run`
//     put on the objects they make), the oldest one if there are several, and
//   - a PDGroup and a TiKVGroup of that Cluster (`spec.cluster.name`), those converted from the same TikvCluster
//     first, then by name,
// none of them being deleted: `convertedTo` names all three (the CRD requires every name), so a Cluster whose
// groups are not created yet (`migrate run` creates the TiKVGroup only once the new PD members joined) is not
// converted yet, and a conversion being deleted (a rollback) no longer is.
import { API_GROUP_VERSION } from '../../../core/api/api-version.ts';
import type { KubeObject } from '../../../core/kube/object.ts';
import { isDeleting } from '../../../core/reconcilers/finalizer.ts';
import type { LegacyStatus } from '../api.ts';
import { convertedFromName } from '../convert.ts';

/** `status.convertedTo`: the new objects, in the TikvCluster's namespace. */
export interface ConvertedTo {
  apiVersion: string;
  cluster: string;
  pdGroup: string;
  tikvGroup: string;
}

/** A PDGroup or TiKVGroup as far as this module reads it. */
export type GroupObject = KubeObject & { spec?: { cluster?: { name?: string } } };

/** The objects of the new API in the TikvCluster's namespace. */
export interface NewApiObjects {
  clusters: readonly KubeObject[];
  pdGroups: readonly GroupObject[];
  tikvGroups: readonly GroupObject[];
}

/** The conversion fields of the status; `null` removes a field (JSON merge patch). */
export interface ConversionStatusPatch {
  converted: boolean;
  convertedAt: string | null;
  convertedTo: ConvertedTo | null;
}

export type StatusDecision =
  | { kind: 'unchanged' }
  | {
      kind: 'write';
      patch: ConversionStatusPatch;
      /** The TikvCluster was not converted before this write: worth an event. */
      becameConverted: boolean;
    };

/** The objects the TikvCluster `name` was converted to (see the header), or undefined. */
export function findConversion(name: string, objects: NewApiObjects): ConvertedTo | undefined {
  const cluster = objects.clusters
    .filter((c) => !isDeleting(c) && convertedFromName(c) === name)
    .sort(byAgeThenName)[0];
  if (!cluster) return undefined;
  const groupOf = (groups: readonly GroupObject[]) =>
    groups
      .filter((g) => !isDeleting(g) && g.spec?.cluster?.name === cluster.metadata.name)
      .sort(
        (a, b) =>
          Number(convertedFromName(b) === name) - Number(convertedFromName(a) === name) ||
          compareNames(a.metadata.name, b.metadata.name),
      )[0];
  const pdGroup = groupOf(objects.pdGroups);
  const tikvGroup = groupOf(objects.tikvGroups);
  if (!pdGroup || !tikvGroup) return undefined;
  return {
    apiVersion: API_GROUP_VERSION,
    cluster: cluster.metadata.name,
    pdGroup: pdGroup.metadata.name,
    tikvGroup: tikvGroup.metadata.name,
  };
}

/**
 * The status write that makes `status` say `conversion`, or `unchanged`. `convertedAt` is kept while the
 * TikvCluster stays converted (also when the objects it names change, and when `migrate run` wrote it), set to
 * `now` when it becomes converted, and removed with `convertedTo` when it no longer is.
 */
export function decideStatus(
  status: LegacyStatus | undefined,
  conversion: ConvertedTo | undefined,
  now: string,
): StatusDecision {
  const wasConverted = status?.converted === true;
  if (!conversion) {
    const clean = status?.converted === false && status.convertedAt === undefined && status.convertedTo === undefined;
    return clean
      ? { kind: 'unchanged' }
      : { kind: 'write', patch: { converted: false, convertedAt: null, convertedTo: null }, becameConverted: false };
  }
  const convertedAt = (wasConverted ? status?.convertedAt : undefined) ?? now;
  const same = wasConverted && status?.convertedAt === convertedAt && sameConvertedTo(status?.convertedTo, conversion);
  return same
    ? { kind: 'unchanged' }
    : {
        kind: 'write',
        patch: { converted: true, convertedAt, convertedTo: conversion },
        becameConverted: !wasConverted,
      };
}

/** The note of the event recorded when a TikvCluster becomes converted. */
export function convertedNote(to: ConvertedTo): string {
  return `converted to Cluster ${to.cluster} (PDGroup ${to.pdGroup}, TiKVGroup ${to.tikvGroup}, ${to.apiVersion})`;
}

function sameConvertedTo(a: Partial<ConvertedTo> | undefined, b: ConvertedTo): boolean {
  return (
    a !== undefined &&
    a.apiVersion === b.apiVersion &&
    a.cluster === b.cluster &&
    a.pdGroup === b.pdGroup &&
    a.tikvGroup === b.tikvGroup
  );
}

function byAgeThenName(a: KubeObject, b: KubeObject): number {
  const age = compareNames(a.metadata.creationTimestamp ?? '', b.metadata.creationTimestamp ?? '');
  return age || compareNames(a.metadata.name, b.metadata.name);
}

// Code-unit order, not locale order: the same answer on every machine.
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
