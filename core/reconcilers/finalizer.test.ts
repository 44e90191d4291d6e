import { describe, expect, test } from 'bun:test';
import { FINALIZER } from '../api/labels.ts';
import type { KubeClient } from '../kube/client.ts';
import { KubeApiError } from '../kube/errors.ts';
import { type KubeObject, kinds } from '../kube/object.ts';
import { FakeClock } from '../runtime/clock.ts';
import { complete, type TaskResult, wait } from '../tasks/result.ts';
import { runTasks } from '../tasks/runner.ts';
import { type Task, task } from '../tasks/task.ts';
import {
  addFinalizer,
  type FinalizerState,
  finalizerState,
  hasFinalizer,
  removeFinalizer,
  withFinalizer,
} from './finalizer.ts';

const kind = kinds.ConfigMap;

/**
 * The apiserver's behaviour for merge patches of metadata.finalizers: a stale resourceVersion is a conflict, and
 * a deleting object whose last finalizer goes away is deleted.
 */
class FakeApiserver implements Pick<KubeClient, 'mergePatch'> {
  obj: KubeObject | undefined;
  patches: unknown[] = [];
  private version = 1;

  constructor(obj: KubeObject) {
    this.obj = structuredClone({ ...obj, metadata: { ...obj.metadata, resourceVersion: '1' } });
  }

  /** A copy as a cache would hold it. */
  read(): KubeObject {
    if (!this.obj) throw new Error('gone');
    return structuredClone(this.obj);
  }

  /** Another writer changes the object (a second controller adds its finalizer). */
  externalFinalizer(name: string): void {
    if (!this.obj) throw new Error('gone');
    this.obj.metadata.finalizers = [...(this.obj.metadata.finalizers ?? []), name];
    this.obj.metadata.resourceVersion = String(++this.version);
  }

  async mergePatch<T extends KubeObject>(_kind: unknown, name: string, _ns: unknown, patch: unknown): Promise<T> {
    this.patches.push(patch);
    if (!this.obj) {
      throw new KubeApiError({ code: 404, reason: 'NotFound', message: `configmaps "${name}" not found` });
    }
    const meta = (patch as { metadata: { finalizers: string[] | null; resourceVersion?: string } }).metadata;
    if (meta.resourceVersion !== undefined && meta.resourceVersion !== this.obj.metadata.resourceVersion) {
      throw new KubeApiError({ code: 409, reason: 'Conflict', message: 'the object has been modified' });
    }
    if (meta.finalizers === null) delete this.obj.metadata.finalizers;
    else this.obj.metadata.finalizers = meta.finalizers;
    this.obj.metadata.resourceVersion = String(++this.version);
    const result = structuredClone(this.obj) as T;
    if (this.obj.metadata.deletionTimestamp && (this.obj.metadata.finalizers ?? []).length === 0) {
      this.obj = undefined;
    }
    return result;
  }
}

interface Ctx {
  obj: KubeObject;
  ran: string[];
  updates: (KubeObject | undefined)[];
}

function step(name: string, result: TaskResult = complete()): Task<Ctx> {
  return task(name, (ctx) => {
    ctx.ran.push(name);
    return result;
  });
}

function object(meta: Partial<KubeObject['metadata']> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'ns', ...meta } };
}

async function reconcile(server: FakeApiserver, opts: { apply?: Task<Ctx>[]; cleanup?: Task<Ctx>[] } = {}) {
  const ctx: Ctx = { obj: server.read(), ran: [], updates: [] };
  const tasks = [
    ...withFinalizer<Ctx>({
      client: server,
      kind,
      object: (c) => c.obj,
      updated: (c, obj) => {
        c.updates.push(obj);
        if (obj) c.obj = obj;
      },
      apply: opts.apply ?? [step('apply a'), step('apply b')],
      cleanup: opts.cleanup ?? [step('cleanup a'), step('cleanup b')],
    }),
    step('after'),
  ];
  const run = await runTasks(ctx, tasks, { clock: new FakeClock(), always: [step('status')] });
  return { ...run, ctx };
}

describe('finalizerState', () => {
  const cases: [string, Partial<KubeObject['metadata']>, FinalizerState][] = [
    ['alive with the finalizer', { finalizers: [FINALIZER] }, 'alive'],
    ['alive with only other finalizers', { finalizers: ['other'] }, 'unprotected'],
    ['alive without finalizers', {}, 'unprotected'],
    ['deleting with the finalizer', { deletionTimestamp: 'x', finalizers: ['other', FINALIZER] }, 'cleanup'],
    ['deleting with only other finalizers', { deletionTimestamp: 'x', finalizers: ['other'] }, 'released'],
  ];
  for (const [name, meta, state] of cases) {
    test(`${name}: ${state}`, () => expect(finalizerState(object(meta))).toBe(state));
  }
});

describe('withFinalizer', () => {
  test('adds the finalizer before the apply steps run', async () => {
    const server = new FakeApiserver(object());
    const out = await reconcile(server);
    expect(server.read().metadata.finalizers).toEqual([FINALIZER]);
    expect(out.ctx.ran).toEqual(['apply a', 'apply b', 'after', 'status']);
    expect(out.entries.map((e) => e.name)).toEqual(['add finalizer', 'apply a', 'apply b', 'after', 'status']);
    // Later steps see the patched object (its new resourceVersion).
    expect(out.ctx.obj.metadata.resourceVersion).toBe('2');
    expect(out.result.kind).toBe('complete');
  });

  test('writes nothing when the finalizer is already there', async () => {
    const server = new FakeApiserver(object({ finalizers: [FINALIZER] }));
    const out = await reconcile(server);
    expect(server.patches).toEqual([]);
    expect(out.ctx.ran).toEqual(['apply a', 'apply b', 'after', 'status']);
  });

  test('keeps the finalizers of other controllers when adding its own', async () => {
    const server = new FakeApiserver(object({ finalizers: ['example.org/keep'] }));
    await reconcile(server);
    expect(server.read().metadata.finalizers).toEqual(['example.org/keep', FINALIZER]);
  });

  test('a deleting object runs the cleanup steps, then loses the finalizer, and nothing after runs', async () => {
    const server = new FakeApiserver(object({ finalizers: ['other', FINALIZER], deletionTimestamp: 'now' }));
    const out = await reconcile(server);
    expect(out.ctx.ran).toEqual(['cleanup a', 'cleanup b', 'status']);
    expect(server.read().metadata.finalizers).toEqual(['other']);
    expect(out.brokenBy).toBe('deleting');
    expect(out.entries.map((e) => e.name)).toEqual([
      'deleting',
      'cleanup a',
      'cleanup b',
      'remove finalizer',
      'status',
    ]);
  });

  test('removing the last finalizer lets the object go', async () => {
    const server = new FakeApiserver(object({ finalizers: [FINALIZER], deletionTimestamp: 'now' }));
    const out = await reconcile(server);
    expect(server.obj).toBeUndefined();
    expect(out.result.kind).toBe('complete');
    // The finalizer list is deleted, not left empty.
    expect(server.patches).toEqual([{ metadata: { finalizers: null, resourceVersion: '1' } }]);
  });

  test('a cleanup step that waits keeps the finalizer', async () => {
    const server = new FakeApiserver(object({ finalizers: [FINALIZER], deletionTimestamp: 'now' }));
    const out = await reconcile(server, { cleanup: [step('delete member', wait('member still listed')), step('b')] });
    expect(out.ctx.ran).toEqual(['delete member', 'status']);
    expect(server.read().metadata.finalizers).toEqual([FINALIZER]);
    expect(out.result).toEqual(wait('member still listed'));
  });

  test('a cleanup step that fails keeps the finalizer and fails the reconcile', async () => {
    const server = new FakeApiserver(object({ finalizers: [FINALIZER], deletionTimestamp: 'now' }));
    const failing = task<Ctx>('delete pod', () => {
      throw new Error('apiserver down');
    });
    const out = await reconcile(server, { cleanup: [failing] });
    expect(out.result.kind).toBe('fail');
    expect(out.failedTask).toBe('delete pod');
    expect(server.read().metadata.finalizers).toEqual([FINALIZER]);
  });

  test('a deleting object without the finalizer is left alone', async () => {
    const server = new FakeApiserver(object({ finalizers: ['other'], deletionTimestamp: 'now' }));
    const out = await reconcile(server);
    expect(out.ctx.ran).toEqual(['status']);
    expect(server.patches).toEqual([]);
    expect(out.brokenBy).toBe('deleting');
  });

  test('a stale copy fails on conflict instead of dropping a finalizer added meanwhile', async () => {
    const server = new FakeApiserver(object({ finalizers: [FINALIZER], deletionTimestamp: 'now' }));
    const stale = server.read();
    server.externalFinalizer('example.org/late');
    const ctx: Ctx = { obj: stale, ran: [], updates: [] };
    const out = await runTasks(
      ctx,
      withFinalizer<Ctx>({ client: server, kind, object: (c) => c.obj, apply: [], cleanup: [] }),
    );
    expect(out.result.kind).toBe('fail');
    expect(out.failedTask).toBe('remove finalizer');
    expect(server.read().metadata.finalizers).toEqual([FINALIZER, 'example.org/late']);
  });
});

describe('addFinalizer / removeFinalizer', () => {
  test('return the object unchanged when there is nothing to do', async () => {
    const server = new FakeApiserver(object({ finalizers: [FINALIZER] }));
    const obj = server.read();
    expect(await addFinalizer(server, kind, obj)).toBe(obj);
    const bare = object();
    expect(await removeFinalizer(server, kind, bare)).toBe(bare);
    expect(server.patches).toEqual([]);
  });

  test('removing from an object that is already gone is done', async () => {
    const server = new FakeApiserver(object({ finalizers: [FINALIZER], deletionTimestamp: 'now' }));
    const copy = server.read();
    await removeFinalizer(server, kind, copy);
    expect(await removeFinalizer(server, kind, copy)).toBeUndefined();
  });

  test('use a custom finalizer name', async () => {
    const server = new FakeApiserver(object());
    const added = await addFinalizer(server, kind, server.read(), 'example.org/x');
    expect(hasFinalizer(added, 'example.org/x')).toBe(true);
    expect(hasFinalizer(added)).toBe(false);
  });
});
