import { describe, expect, test } from 'bun:test';
import {
  computeRevisions,
  type RevisionData,
  type RevisionInput,
  type RevisionRecord,
  revisionName,
} from './revisions.ts';

const v1: RevisionData = { template: { version: 'v8.5.0', config: '' }, features: [] };
const v2: RevisionData = { template: { version: 'v8.5.1', config: '' }, features: [] };
const v3: RevisionData = { template: { version: 'v8.5.2', config: '' }, features: [] };

function record(data: RevisionData, revision: number, collisionCount = 0): RevisionRecord {
  return { name: revisionName('kv', data, collisionCount), revision, data };
}

function input(overrides: Partial<RevisionInput>): RevisionInput {
  return {
    prefix: 'kv',
    existing: [],
    data: v1,
    collisionCount: 0,
    allInstancesUpdated: false,
    referencedRevisions: [],
    revisionHistoryLimit: 10,
    ...overrides,
  };
}

describe('revisionName', () => {
  test('is the prefix and the hash', () => {
    expect(revisionName('kv', v1, 0)).toMatch(/^kv-[a-z0-9]+$/);
  });

  test('does not change when only the order of feature gates changes', () => {
    const a = { template: {}, features: ['B', 'A'] };
    const b = { template: {}, features: ['A', 'B', 'A'] };
    expect(revisionName('kv', a, 0)).toBe(revisionName('kv', b, 0));
  });

  test('changes when a feature gate is added', () => {
    expect(revisionName('kv', { template: {}, features: ['A'] }, 0)).not.toBe(
      revisionName('kv', { template: {}, features: [] }, 0),
    );
  });
});

describe('computeRevisions', () => {
  test('a new group creates revision 1, which is both update and current', () => {
    const plan = computeRevisions(input({}));
    expect(plan).toEqual({
      updateRevision: revisionName('kv', v1, 0),
      currentRevision: revisionName('kv', v1, 0),
      collisionCount: 0,
      create: { name: revisionName('kv', v1, 0), revision: 1, data: v1 },
      delete: [],
    });
  });

  test('an unchanged template reuses its revision and changes nothing', () => {
    const r1 = record(v1, 1);
    const plan = computeRevisions(input({ existing: [r1], currentRevision: r1.name, allInstancesUpdated: true }));
    expect(plan).toEqual({ updateRevision: r1.name, currentRevision: r1.name, collisionCount: 0, delete: [] });
  });

  test('a changed template creates the next revision and keeps the current one until instances are updated', () => {
    const r1 = record(v1, 1);
    const plan = computeRevisions(input({ existing: [r1], data: v2, currentRevision: r1.name }));
    expect(plan.create).toEqual({ name: revisionName('kv', v2, 0), revision: 2, data: v2 });
    expect(plan.updateRevision).toBe(revisionName('kv', v2, 0));
    expect(plan.currentRevision).toBe(r1.name);
  });

  test('the current revision moves to the update revision once every instance is updated', () => {
    const r1 = record(v1, 1);
    const r2 = record(v2, 2);
    const plan = computeRevisions(
      input({ existing: [r1, r2], data: v2, currentRevision: r1.name, allInstancesUpdated: true }),
    );
    expect(plan.currentRevision).toBe(r2.name);
    expect(plan.create).toBeUndefined();
  });

  test('a current revision that no longer exists is replaced by the update revision', () => {
    const r2 = record(v2, 2);
    const plan = computeRevisions(input({ existing: [r2], data: v2, currentRevision: 'kv-gone' }));
    expect(plan.currentRevision).toBe(r2.name);
  });

  test('a rollback reuses the older equal revision and renumbers it to the top', () => {
    const r1 = record(v1, 1);
    const r2 = record(v2, 2);
    const plan = computeRevisions(input({ existing: [r1, r2], data: v1, currentRevision: r2.name }));
    expect(plan.create).toBeUndefined();
    expect(plan.updateRevision).toBe(r1.name);
    expect(plan.renumber).toEqual({ name: r1.name, revision: 3 });
    expect(plan.currentRevision).toBe(r2.name);
  });

  test('equal data is found whatever its key order or record name', () => {
    const stored: RevisionRecord = {
      name: 'kv-created-by-an-older-collision-count',
      revision: 4,
      data: { template: { config: '', version: 'v8.5.0' }, features: [] },
    };
    const plan = computeRevisions(input({ existing: [stored], data: v1, currentRevision: stored.name }));
    expect(plan.updateRevision).toBe(stored.name);
    expect(plan.create).toBeUndefined();
    expect(plan.renumber).toBeUndefined();
  });

  test('a hash collision (same name, different data) raises the collision count and picks a free name', () => {
    const squatter: RevisionRecord = { name: revisionName('kv', v2, 0), revision: 1, data: v1 };
    const plan = computeRevisions(input({ existing: [squatter], data: v2, currentRevision: squatter.name }));
    expect(plan.collisionCount).toBe(1);
    expect(plan.create).toEqual({ name: revisionName('kv', v2, 1), revision: 2, data: v2 });
    expect(plan.updateRevision).toBe(revisionName('kv', v2, 1));
  });

  test('repeated collisions keep raising the count', () => {
    const first: RevisionRecord = { name: revisionName('kv', v3, 0), revision: 1, data: v1 };
    const second: RevisionRecord = { name: revisionName('kv', v3, 1), revision: 2, data: v2 };
    const plan = computeRevisions(input({ existing: [first, second], data: v3, currentRevision: second.name }));
    expect(plan.collisionCount).toBe(2);
    expect(plan.create?.name).toBe(revisionName('kv', v3, 2));
  });

  test('after a collision was resolved, the stored count finds the same name again (idempotent)', () => {
    const squatter: RevisionRecord = { name: revisionName('kv', v2, 0), revision: 1, data: v1 };
    const created = record(v2, 2, 1);
    const plan = computeRevisions(
      input({ existing: [squatter, created], data: v2, collisionCount: 1, currentRevision: squatter.name }),
    );
    expect(plan.create).toBeUndefined();
    expect(plan.updateRevision).toBe(created.name);
    expect(plan.collisionCount).toBe(1);
  });

  test('the history limit deletes the oldest revisions first', () => {
    const old = [1, 2, 3, 4].map((n) => record({ template: { n }, features: [] }, n));
    const current = record(v1, 5);
    const plan = computeRevisions(
      input({
        existing: [...old, current],
        data: v1,
        currentRevision: current.name,
        allInstancesUpdated: true,
        revisionHistoryLimit: 2,
      }),
    );
    expect(plan.delete).toEqual([old[0]!.name, old[1]!.name]);
  });

  test('the history limit never deletes the current, the update or a referenced revision', () => {
    const old = [1, 2, 3].map((n) => record({ template: { n }, features: [] }, n));
    const current = old[0]!;
    const referenced = old[1]!;
    const update = record(v1, 4);
    const plan = computeRevisions(
      input({
        existing: [...old, update],
        data: v1,
        currentRevision: current.name,
        referencedRevisions: [referenced.name],
        revisionHistoryLimit: 0,
      }),
    );
    expect(plan.delete).toEqual([old[2]!.name]);
  });

  test('a history within the limit deletes nothing', () => {
    const old = [1, 2].map((n) => record({ template: { n }, features: [] }, n));
    const plan = computeRevisions(input({ existing: old, data: v1, revisionHistoryLimit: 2 }));
    expect(plan.delete).toEqual([]);
  });

  test('the limit counts the revision that is being replaced once it is no longer current', () => {
    const r1 = record(v1, 1);
    const r2 = record(v2, 2);
    const plan = computeRevisions(
      input({
        existing: [r1, r2],
        data: v3,
        currentRevision: r2.name,
        allInstancesUpdated: true,
        revisionHistoryLimit: 1,
      }),
    );
    // v3 is new (update and, all updated, current); r1 and r2 are history, one of them may stay.
    expect(plan.currentRevision).toBe(plan.updateRevision);
    expect(plan.delete).toEqual([r1.name]);
  });

  test('a rollback target is not deleted as history', () => {
    const r1 = record(v1, 1);
    const r2 = record(v2, 2);
    const plan = computeRevisions(
      input({
        existing: [r1, r2],
        data: v1,
        currentRevision: r2.name,
        allInstancesUpdated: true,
        revisionHistoryLimit: 0,
      }),
    );
    expect(plan.updateRevision).toBe(r1.name);
    expect(plan.delete).toEqual([r2.name]);
  });
});
