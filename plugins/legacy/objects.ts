// The Kubernetes objects the legacy tikv-operator created for a TikvCluster `<tc>`, by name and label
// (reference: legacy-and-peers.md 1.5). The live migration finds them by these names, the simulator recognises
// their Pods by these labels, and the tests build legacy-shaped clusters from them.
//
//   StatefulSets   <tc>-pd, <tc>-tikv              (Pods <tc>-pd-<i>, <tc>-tikv-<i>; ParallelPodManagement)
//   PVCs           pd-<tc>-pd-<i>, tikv-<tc>-tikv-<i>   (volumeClaimTemplates `pd` and `tikv`)
//   Services       <tc>-pd (client, 2379), <tc>-pd-peer (headless, 2380), <tc>-tikv-peer (headless, 20160)
//   PD members     named after their Pods, `http://<pod>.<tc>-pd-peer.<ns>.svc:2379`
//   TiKV stores    `<pod>.<tc>-tikv-peer.<ns>.svc:20160`

export type LegacyComponent = 'pd' | 'tikv';
export const legacyComponents: readonly LegacyComponent[] = ['pd', 'tikv'];

/** The labels the legacy operator put on every object of a TikvCluster. */
export const legacyLabelKeys = {
  /** Always `tikv-cluster`. */
  name: 'app.kubernetes.io/name',
  /** Always `tikv-operator`. */
  managedBy: 'app.kubernetes.io/managed-by',
  /** The TikvCluster's name. */
  instance: 'app.kubernetes.io/instance',
  /** `pd`, `tikv` or `discovery`. */
  component: 'app.kubernetes.io/component',
} as const;

export const LEGACY_NAME = 'tikv-cluster';
export const LEGACY_MANAGED_BY = 'tikv-operator';

/** Label selector of every PD and TiKV Pod of every TikvCluster. */
export const legacyPodSelector = `${legacyLabelKeys.managedBy}=${LEGACY_MANAGED_BY},${legacyLabelKeys.name}=${LEGACY_NAME},${legacyLabelKeys.component} in (pd,tikv)`;

/** Label selector of one component's Pods of one TikvCluster. */
export function legacyComponentSelector(tc: string, component: LegacyComponent): string {
  return Object.entries(legacyLabels(tc, component))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** The labels of a component's objects (StatefulSet, Pods, PVCs). */
export function legacyLabels(tc: string, component: LegacyComponent): Record<string, string> {
  return {
    [legacyLabelKeys.name]: LEGACY_NAME,
    [legacyLabelKeys.managedBy]: LEGACY_MANAGED_BY,
    [legacyLabelKeys.instance]: tc,
    [legacyLabelKeys.component]: component,
  };
}

/** The component of an object the legacy operator labelled (pd or tikv only), else undefined. */
export function legacyComponentOf(labels: Readonly<Record<string, string>> | undefined): LegacyComponent | undefined {
  if (labels?.[legacyLabelKeys.managedBy] !== LEGACY_MANAGED_BY || labels[legacyLabelKeys.name] !== LEGACY_NAME) {
    return undefined;
  }
  const component = labels[legacyLabelKeys.component];
  return component === 'pd' || component === 'tikv' ? component : undefined;
}

/** The TikvCluster an object the legacy operator labelled belongs to. */
export function legacyClusterOf(labels: Readonly<Record<string, string>> | undefined): string | undefined {
  if (legacyComponentOf(labels) === undefined) return undefined;
  const tc = labels?.[legacyLabelKeys.instance];
  return tc ? tc : undefined;
}

export const legacyNames = {
  statefulSet: (tc: string, component: LegacyComponent) => `${tc}-${component}`,
  pod: (tc: string, component: LegacyComponent, ordinal: number) => `${tc}-${component}-${ordinal}`,
  /** The StatefulSet's governing (headless) Service: the Pods' subdomain. */
  peerService: (tc: string, component: LegacyComponent) => `${tc}-${component}-peer`,
  /** The volumeClaimTemplate's name: `pd` or `tikv`. */
  claimTemplate: (component: LegacyComponent) => component,
  /** `<template>-<pod>`, as a StatefulSet names the claims of its volumeClaimTemplates. */
  claim: (tc: string, component: LegacyComponent, ordinal: number) =>
    `${component}-${legacyNames.pod(tc, component, ordinal)}`,
  pdService: (tc: string) => `${tc}-pd`,
};

export const LEGACY_PD_CLIENT_PORT = 2379;
export const LEGACY_TIKV_PORT = 20160;

/** The legacy PD client Service URL, which every legacy TiKV was started with (`--pd`). */
export function legacyPdUrl(tc: string, namespace: string): string {
  return `http://${legacyNames.pdService(tc)}.${namespace}.svc:${LEGACY_PD_CLIENT_PORT}`;
}

/** A legacy TiKV store's advertise address. */
export function legacyStoreAddress(tc: string, ordinal: number, namespace: string): string {
  return `${legacyNames.pod(tc, 'tikv', ordinal)}.${legacyNames.peerService(tc, 'tikv')}.${namespace}.svc:${LEGACY_TIKV_PORT}`;
}

/** A legacy PD member's name: its Pod's. */
export function legacyMemberName(tc: string, ordinal: number): string {
  return legacyNames.pod(tc, 'pd', ordinal);
}

/**
 * The ordinal of a legacy Pod, member or store of `tc`: `<tc>-<component>-<i>` (a store address starts with it).
 * Undefined for names of anything else, the new groups' `<tc>-pdg-<i>` included.
 */
export function legacyOrdinalOf(tc: string, component: LegacyComponent, nameOrAddress: string): number | undefined {
  const prefix = `${tc}-${component}-`;
  if (!nameOrAddress.startsWith(prefix)) return undefined;
  const rest = nameOrAddress.slice(prefix.length);
  const match = /^(0|[1-9][0-9]*)(\.|$)/.exec(rest);
  if (!match) return undefined;
  if (match[2] === '.' && !rest.startsWith(`${match[1]}.${legacyNames.peerService(tc, component)}.`)) return undefined;
  return Number(match[1]);
}
