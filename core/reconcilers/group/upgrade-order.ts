// Upgrade order (Cluster.spec.upgradePolicy `Ordered`): a version change of a group rolls out only after every
// group of the components it depends on runs the new state, fully updated and Ready (PD before TiKV), so a
// component never talks to dependencies older than itself during an upgrade. Other template changes (config,
// resources, labels) are not ordered.

import type { UpgradePolicy } from '../../api/cluster.ts';
import { conditionTypes } from '../../api/conditions.ts';
import type { GroupObject } from '../../plugin/contract.ts';
import { type Condition, getCondition } from '../../tasks/conditions.ts';

interface GroupStatusView {
  observedGeneration?: number;
  conditions?: Condition[];
  version?: string;
}

function statusOf(group: GroupObject): GroupStatusView {
  return (group.status ?? {}) as GroupStatusView;
}

function templateVersion(group: GroupObject): string | undefined {
  const version = (group.spec.template.spec as { version?: unknown } | undefined)?.version;
  return typeof version === 'string' ? version : undefined;
}

/**
 * Whether the group's template asks for another version than its instances run (its `status.version`, set once
 * every instance was updated). A new group has no status version: it is not an upgrade.
 */
export function isVersionChange(group: GroupObject): boolean {
  const running = statusOf(group).version;
  return running !== undefined && running !== templateVersion(group);
}

/**
 * Fully updated and Ready: the group's status is for its current generation, its Ready and Synced conditions
 * are True, and it reports its template's version as the one every instance runs.
 */
export function isGroupSettled(group: GroupObject): boolean {
  const status = statusOf(group);
  const version = templateVersion(group);
  return (
    status.observedGeneration === group.metadata.generation &&
    getCondition(status.conditions, conditionTypes.Ready)?.status === 'True' &&
    getCondition(status.conditions, conditionTypes.Synced)?.status === 'True' &&
    (version === undefined || status.version === version)
  );
}

export interface UpgradeOrderInput {
  policy: UpgradePolicy;
  group: GroupObject;
  dependsOn: readonly string[];
  /** Groups of this cluster by component. */
  groups: ReadonlyMap<string, readonly GroupObject[]>;
}

/** Why the version change must wait (`component/group` names not settled yet), or undefined when it may go. */
export function upgradeBlockedBy(input: UpgradeOrderInput): string[] | undefined {
  if (input.policy !== 'Ordered' || !isVersionChange(input.group)) return undefined;
  const blockers: string[] = [];
  for (const component of input.dependsOn) {
    for (const group of input.groups.get(component) ?? []) {
      if (!isGroupSettled(group)) blockers.push(`${component}/${group.metadata.name}`);
    }
  }
  return blockers.length > 0 ? blockers.sort() : undefined;
}
