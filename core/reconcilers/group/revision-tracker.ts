// The revision tracker's effects: the group's revisions are ControllerRevision objects (apps/v1) labelled with
// the group's labels and owned by the group (so they go with it), whose `data` is the revision data (the
// template and the feature gates) and whose `revision` is its number. `computeRevisions` (core/revision)
// decides; this module reads the objects, applies the plan, and copes with a cache that lags behind its own
// writes (a create answered with AlreadyExists) and with a real hash collision.
import type { KubeClient } from '../../kube/client.ts';
import { isAlreadyExists, isNotFound } from '../../kube/errors.ts';
import { type KubeObject, kinds, type OwnerReference } from '../../kube/object.ts';
import { canonicalJson } from '../../revision/canonical-json.ts';
import {
  computeRevisions,
  type RevisionData,
  type RevisionInput,
  type RevisionPlan,
  type RevisionRecord,
} from '../../revision/revisions.ts';

export interface ControllerRevision extends KubeObject {
  data?: unknown;
  revision: number;
}

/** The record a ControllerRevision stands for, or undefined when its data is not revision data. */
export function recordOf(cr: ControllerRevision): RevisionRecord | undefined {
  const data = cr.data as Partial<RevisionData> | undefined;
  if (typeof data !== 'object' || data === null || !('template' in data)) return undefined;
  const features = Array.isArray(data.features) ? data.features.filter((f) => typeof f === 'string') : [];
  return { name: cr.metadata.name, revision: cr.revision, data: { template: data.template, features } };
}

function sameData(a: RevisionData, b: RevisionData): boolean {
  const norm = (d: RevisionData) => canonicalJson({ template: d.template, features: [...new Set(d.features)].sort() });
  return norm(a) === norm(b);
}

export interface RevisionObjectMeta {
  namespace: string;
  labels: Record<string, string>;
  owner: OwnerReference;
}

export function controllerRevision(record: RevisionRecord, meta: RevisionObjectMeta): ControllerRevision {
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: record.name,
      namespace: meta.namespace,
      labels: meta.labels,
      ownerReferences: [meta.owner],
    },
    data: record.data,
    revision: record.revision,
  };
}

export interface SyncRevisionsInput extends Omit<RevisionInput, 'existing'> {
  /** The group's ControllerRevisions as the cache shows them. */
  existing: readonly ControllerRevision[];
  meta: RevisionObjectMeta;
}

/** How many times a create may find its name taken by a different revision before giving up this reconcile. */
const MAX_COLLISION_ROUNDS = 5;

/**
 * Brings the stored revisions in line with the plan and returns the plan that was applied: the update revision
 * is created (or renumbered, for a rollback), and the history beyond the limit is deleted. A create that finds
 * its name taken reads the object: equal data means the cache had not seen it yet (it is used as is); other
 * data is a hash collision, which raises the collision count and names the revision again.
 */
export async function syncRevisions(
  client: Pick<KubeClient, 'create' | 'get' | 'mergePatch' | 'delete'>,
  input: SyncRevisionsInput,
): Promise<RevisionPlan> {
  const existing = input.existing.map(recordOf).filter((r): r is RevisionRecord => r !== undefined);
  const { meta, ...rest } = input;
  const foreign = new Set<string>();
  for (let round = 0; ; round++) {
    const plan = computeRevisions({ ...rest, existing });
    if (plan.create) {
      try {
        await client.create(kinds.ControllerRevision, controllerRevision(plan.create, meta));
      } catch (error) {
        if (!isAlreadyExists(error)) throw error;
        const found = await client.get<ControllerRevision>(kinds.ControllerRevision, plan.create.name, meta.namespace);
        const record = recordOf(found);
        const ours = found.metadata.ownerReferences?.some((r) => r.uid === meta.owner.uid) ?? false;
        if (!record || !ours || !sameData(record.data, plan.create.data)) {
          if (round + 1 >= MAX_COLLISION_ROUNDS) {
            throw new Error(`revision ${plan.create.name}: the name is taken by another revision ${round + 1} times`);
          }
          // A collision: the taken name joins the known records, so the next round raises the collision count.
          // A revision of another owner stands in with data nothing equals, and is never deleted by this group.
          if (record && ours) existing.push(record);
          else {
            foreign.add(found.metadata.name);
            existing.push({
              name: found.metadata.name,
              revision: 0,
              data: { template: { foreign: found.metadata.uid }, features: [] },
            });
          }
          continue;
        }
        // Ours, not yet in the cache. Make sure its number is the newest, as a fresh create would have made it.
        if (record.revision < plan.create.revision) {
          await client.mergePatch(kinds.ControllerRevision, record.name, meta.namespace, {
            revision: plan.create.revision,
          });
        }
      }
    }
    if (plan.renumber) {
      await client.mergePatch(kinds.ControllerRevision, plan.renumber.name, meta.namespace, {
        revision: plan.renumber.revision,
      });
    }
    plan.delete = plan.delete.filter((name) => !foreign.has(name));
    for (const name of plan.delete) {
      try {
        await client.delete(kinds.ControllerRevision, name, meta.namespace);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
    return plan;
  }
}
