// The revision tracker's decision: which ControllerRevision-style record stands for the group's template now
// (the update revision), which one the running instances still follow (the current revision), and which old
// records to create, renumber or delete. The reconciler lists the group's revisions, calls `computeRevisions`,
// applies the plan and stores `updateRevision`, `currentRevision` and `collisionCount` in the group status.

import { canonicalJson } from './canonical-json.ts';
import { revisionHash } from './hash.ts';

/**
 * What a revision captures: the instance template and the feature gates in effect. Replicas, update and
 * schedule policies are left out on purpose: scaling or changing the rollout settings must not roll instances.
 */
export interface RevisionData {
  template: unknown;
  /** Feature gate names; order does not matter (the hash sorts them). */
  features: readonly string[];
}

/** A stored revision as the reconciler read it (a ControllerRevision: name, `.revision`, parsed `.data`). */
export interface RevisionRecord {
  name: string;
  /** Monotonic number; the highest is the newest. A rollback renumbers an old record to the top. */
  revision: number;
  data: RevisionData;
}

export interface RevisionInput {
  /**
   * Start of every revision name: `<prefix>-<hash>`. Usually the group name; add the component
   * (`<group>-<component>`) where groups of different kinds may share a name in one namespace.
   */
  prefix: string;
  /** The group's revisions (selected by the group's labels). */
  existing: readonly RevisionRecord[];
  /** The group's template and features as they are now. */
  data: RevisionData;
  /** From the group status; 0 when unset. */
  collisionCount: number;
  /** From the group status; unset on a new group. */
  currentRevision?: string;
  /**
   * True when every instance runs the update revision (and no outdated one is left). Only then does the
   * current revision move to the update revision.
   */
  allInstancesUpdated: boolean;
  /** Revision names still found on instance labels: these records are never deleted. */
  referencedRevisions: Iterable<string>;
  /** How many revisions to keep besides the current, the update and the referenced ones (Kubernetes default 10). */
  revisionHistoryLimit: number;
}

export interface RevisionPlan {
  /** Name of the revision new and updated instances must carry. */
  updateRevision: string;
  /** Name of the revision the group as a whole runs (equals `updateRevision` once the rollout is done). */
  currentRevision: string;
  /** To store in the group status; higher than the input when a hash collision was found. */
  collisionCount: number;
  /** A record to create (the template has no equal revision yet). */
  create?: RevisionRecord;
  /** An existing record to renumber to the top (a rollback to an older template). */
  renumber?: { name: string; revision: number };
  /** Names of old records to delete, oldest first, to keep the history within its limit. */
  delete: string[];
}

/** The name a revision of `data` gets under `prefix` with this collision count. */
export function revisionName(prefix: string, data: RevisionData, collisionCount: number): string {
  return `${prefix}-${revisionHash(normalize(data), collisionCount)}`;
}

/**
 * Decides the update and current revisions and the changes to the stored history:
 * - an existing record with equal data is reused (whatever its name); when it is not the newest, it is
 *   renumbered to newest+1 (a rollback), so history order follows use;
 * - otherwise a record is created under `<prefix>-<hash>`; when that name is taken by a record with different
 *   data (a hash collision), the collision count is raised until the name is free;
 * - the current revision stays what the status says until every instance is updated (or when the status
 *   names no existing record), then it becomes the update revision;
 * - records beyond `revisionHistoryLimit` are deleted oldest first, never the current or update revision and
 *   never one an instance still carries.
 */
export function computeRevisions(input: RevisionInput): RevisionPlan {
  const data = normalize(input.data);
  const wanted = canonicalJson(data);
  const newest = input.existing.reduce((max, r) => Math.max(max, r.revision), 0);

  let collisionCount = Math.max(0, input.collisionCount);
  let update: RevisionRecord;
  let create: RevisionRecord | undefined;
  let renumber: RevisionPlan['renumber'];

  const equal = input.existing
    .filter((r) => canonicalJson(normalize(r.data)) === wanted)
    .sort((a, b) => b.revision - a.revision)[0];
  if (equal) {
    update = equal;
    if (equal.revision < newest) renumber = { name: equal.name, revision: newest + 1 };
  } else {
    const names = new Set(input.existing.map((r) => r.name));
    let name = revisionName(input.prefix, data, collisionCount);
    // Every name in `names` belongs to a record with different data (an equal one would have been reused).
    while (names.has(name)) {
      collisionCount++;
      name = revisionName(input.prefix, data, collisionCount);
    }
    create = { name, revision: newest + 1, data };
    update = create;
  }

  const knownCurrent = input.existing.some((r) => r.name === input.currentRevision);
  const currentRevision =
    input.allInstancesUpdated || !knownCurrent || input.currentRevision === undefined
      ? update.name
      : input.currentRevision;

  const live = new Set<string>([update.name, currentRevision, ...input.referencedRevisions]);
  const history = input.existing
    .filter((r) => !live.has(r.name))
    .sort((a, b) => a.revision - b.revision || a.name.localeCompare(b.name));
  const excess = Math.max(0, history.length - Math.max(0, input.revisionHistoryLimit));
  const plan: RevisionPlan = {
    updateRevision: update.name,
    currentRevision,
    collisionCount,
    delete: history.slice(0, excess).map((r) => r.name),
  };
  if (create) plan.create = create;
  if (renumber) plan.renumber = renumber;
  return plan;
}

// Feature gates are a set: sorted and de-duplicated so their order never changes the hash.
function normalize(data: RevisionData): RevisionData {
  return { template: data.template, features: [...new Set(data.features)].sort() };
}
