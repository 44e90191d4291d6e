import { describe, expect, test } from 'bun:test';
import { KubeApiError } from '../../kube/errors.ts';
import type { KubeObject, ResourceKind } from '../../kube/object.ts';
import { revisionName } from '../../revision/revisions.ts';
import { type ControllerRevision, controllerRevision, recordOf, syncRevisions } from './revision-tracker.ts';

/** ControllerRevisions in memory, with the apiserver's answers for the calls the tracker makes. */
class Revisions {
  readonly objects = new Map<string, ControllerRevision>();
  readonly calls: string[] = [];

  async create<T extends KubeObject>(_: ResourceKind, obj: T): Promise<T> {
    this.calls.push(`create ${obj.metadata.name}`);
    if (this.objects.has(obj.metadata.name)) {
      throw new KubeApiError({ code: 409, reason: 'AlreadyExists', message: 'exists' });
    }
    this.objects.set(obj.metadata.name, structuredClone(obj) as unknown as ControllerRevision);
    return obj;
  }
  async get<T extends KubeObject>(_: ResourceKind, name: string): Promise<T> {
    this.calls.push(`get ${name}`);
    const obj = this.objects.get(name);
    if (!obj) throw new KubeApiError({ code: 404, reason: 'NotFound', message: 'missing' });
    return structuredClone(obj) as unknown as T;
  }
  async mergePatch<T extends KubeObject>(_: ResourceKind, name: string, __: unknown, patch: unknown): Promise<T> {
    this.calls.push(`renumber ${name} ${(patch as { revision: number }).revision}`);
    const obj = this.objects.get(name);
    if (!obj) throw new KubeApiError({ code: 404, reason: 'NotFound', message: 'missing' });
    obj.revision = (patch as { revision: number }).revision;
    return obj as unknown as T;
  }
  async delete(_: ResourceKind, name: string): Promise<void> {
    this.calls.push(`delete ${name}`);
    if (!this.objects.delete(name)) throw new KubeApiError({ code: 404, reason: 'NotFound', message: 'missing' });
  }
  list(): ControllerRevision[] {
    return [...this.objects.values()];
  }
}

const owner = { apiVersion: 'core.tikv.org/v1alpha1', kind: 'SampleGroup', name: 'g', uid: 'uid-g', controller: true };
const meta = { namespace: 'ns', labels: { 'tikv.org/group': 'g' }, owner };
const template = (version: string) => ({ spec: { version } });
const base = {
  prefix: 'g-sample',
  collisionCount: 0,
  referencedRevisions: [] as string[],
  revisionHistoryLimit: 10,
  allInstancesUpdated: false,
};

function stored(name: string, revision: number, version: string, ownerUid = 'uid-g'): ControllerRevision {
  return controllerRevision(
    { name, revision, data: { template: template(version), features: [] } },
    { ...meta, owner: { ...owner, uid: ownerUid } },
  );
}

describe('syncRevisions', () => {
  test('a new template is stored as a ControllerRevision owned by the group, labelled like it', async () => {
    const api = new Revisions();
    const plan = await syncRevisions(api, {
      ...base,
      existing: [],
      data: { template: template('1'), features: ['B', 'A'] },
      meta,
    });
    const cr = api.objects.get(plan.updateRevision) as ControllerRevision;
    expect(cr).toMatchObject({
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: { namespace: 'ns', labels: { 'tikv.org/group': 'g' }, ownerReferences: [owner] },
      revision: 1,
      data: { template: template('1') },
    });
    expect(plan.updateRevision).toStartWith('g-sample-');
    expect(plan.currentRevision).toBe(plan.updateRevision);
  });

  test('an equal revision in the cache means no write at all', async () => {
    const api = new Revisions();
    const data = { template: template('1'), features: [] };
    const name = revisionName('g-sample', data, 0);
    api.objects.set(name, stored(name, 1, '1'));
    api.calls.length = 0;
    const plan = await syncRevisions(api, { ...base, existing: api.list(), data, currentRevision: name, meta });
    expect(plan.updateRevision).toBe(name);
    expect(api.calls).toEqual([]);
  });

  test('a rollback renumbers the old revision to the top', async () => {
    const api = new Revisions();
    api.objects.set('old', stored('old', 1, '1'));
    api.objects.set('new', stored('new', 2, '2'));
    const plan = await syncRevisions(api, {
      ...base,
      existing: api.list(),
      data: { template: template('1'), features: [] },
      currentRevision: 'new',
      meta,
    });
    expect(plan.updateRevision).toBe('old');
    expect(api.calls).toEqual(['renumber old 3']);
    expect(api.objects.get('old')?.revision).toBe(3);
  });

  test('the history beyond the limit is deleted, oldest first, never what instances still carry', async () => {
    const api = new Revisions();
    for (let i = 1; i <= 5; i++) api.objects.set(`r${i}`, stored(`r${i}`, i, String(i)));
    const plan = await syncRevisions(api, {
      ...base,
      existing: api.list(),
      data: { template: template('6'), features: [] },
      currentRevision: 'r5',
      referencedRevisions: ['r1'],
      revisionHistoryLimit: 1,
      meta,
    });
    // live: the new update revision, r5 (current), r1 (referenced); history r2..r4 keeps 1.
    expect(plan.delete).toEqual(['r2', 'r3']);
    expect([...api.objects.keys()].sort()).toEqual(['r1', 'r4', 'r5', plan.updateRevision].sort());
  });

  test('a create that finds its own revision (a cache behind its writes) uses it', async () => {
    const api = new Revisions();
    const data = { template: template('1'), features: [] };
    const name = revisionName('g-sample', data, 0);
    api.objects.set(name, stored(name, 1, '1'));
    api.calls.length = 0;
    const plan = await syncRevisions(api, { ...base, existing: [], data, meta });
    expect(plan.updateRevision).toBe(name);
    expect(plan.collisionCount).toBe(0);
    expect(api.calls).toEqual([`create ${name}`, `get ${name}`]);
  });

  test('a hash collision with a revision the cache did not show raises the collision count', async () => {
    const api = new Revisions();
    const data = { template: template('1'), features: [] };
    const taken = revisionName('g-sample', data, 0);
    api.objects.set(taken, stored(taken, 1, 'something else'));
    const plan = await syncRevisions(api, { ...base, existing: [], data, meta });
    expect(plan.collisionCount).toBe(1);
    expect(plan.updateRevision).toBe(revisionName('g-sample', data, 1));
    expect(api.objects.get(plan.updateRevision)?.data).toEqual(data);
    expect(api.objects.has(taken)).toBe(true);
  });

  test("a name taken by another owner's revision is a collision, and that revision is never deleted", async () => {
    const api = new Revisions();
    const data = { template: template('1'), features: [] };
    const taken = revisionName('g-sample', data, 0);
    api.objects.set(taken, stored(taken, 1, '1', 'uid-of-an-older-group'));
    const plan = await syncRevisions(api, { ...base, existing: [], data, revisionHistoryLimit: 0, meta });
    expect(plan.collisionCount).toBe(1);
    expect(plan.delete).toEqual([]);
    expect(api.objects.has(taken)).toBe(true);
  });

  test('recordOf ignores ControllerRevisions without revision data', () => {
    expect(recordOf({ metadata: { name: 'x' }, revision: 1, data: { something: 1 } })).toBeUndefined();
    expect(recordOf(stored('r', 2, '1'))).toEqual({
      name: 'r',
      revision: 2,
      data: { template: template('1'), features: [] },
    });
  });
});
