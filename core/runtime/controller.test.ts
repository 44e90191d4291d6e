import { describe, expect, test } from 'bun:test';
import { type KubeObject, keyOf, kinds } from '../kube/object.ts';
import { FakeClock } from './clock.ts';
import { Controller, type ControllerObserver, forOwner, forSelf, mapTo } from './controller.ts';
import type { ReconcileResult } from './reconciler.ts';
import { FakeInformer } from './testing/fake-informer.ts';

const tikvKind = { group: 'core.tikv.org', kind: 'TiKV' };

function pod(name: string, owner?: string, ns = 'db'): KubeObject {
  const metadata: KubeObject['metadata'] = { name, namespace: ns };
  if (owner) {
    metadata.ownerReferences = [
      { apiVersion: 'core.tikv.org/v1alpha1', kind: 'TiKV', name: owner, uid: `uid-${owner}`, controller: true },
    ];
  }
  return { apiVersion: 'v1', kind: 'Pod', metadata };
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(v: T): void;
  reject(e: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A reconciler whose calls a test answers one by one. */
class ScriptedReconciler {
  readonly calls: { key: string; at: number; answer: Deferred<ReconcileResult> }[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private readonly inFlightKeys = new Set<string>();
  overlappedKey = false;

  constructor(private readonly clock: FakeClock) {}

  reconcile = async (key: string): Promise<ReconcileResult> => {
    if (this.inFlightKeys.has(key)) this.overlappedKey = true;
    this.inFlightKeys.add(key);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const answer = deferred<ReconcileResult>();
    this.calls.push({ key, at: this.clock.now(), answer });
    try {
      return await answer.promise;
    } finally {
      this.inFlight--;
      this.inFlightKeys.delete(key);
    }
  };

  keys(): string[] {
    return this.calls.map((c) => c.key);
  }

  /** Answers the oldest unanswered call for `key`. */
  answer(key: string, result: ReconcileResult | Error): void {
    const call = this.calls.find((c) => c.key === key && !answered.has(c.answer));
    if (!call) throw new Error(`no open reconcile of ${key}`);
    answered.add(call.answer);
    if (result instanceof Error) call.answer.reject(result);
    else call.answer.resolve(result);
  }
}
const answered = new WeakSet<Deferred<ReconcileResult>>();

function setup(workers = 1, observer?: ControllerObserver) {
  const clock = new FakeClock();
  const informer = new FakeInformer(kinds.Pod);
  const reconciler = new ScriptedReconciler(clock);
  const controller = new Controller({
    name: 'test',
    reconciler,
    workers,
    clock,
    observer,
    backoff: { baseDelayMs: 500, maxDelayMs: 60_000 },
  }).watches(informer, forSelf());
  const ac = new AbortController();
  const start = () => controller.start(ac.signal);
  return { clock, informer, reconciler, controller, ac, start };
}

describe('event mappers', () => {
  test('forSelf maps an event to the object key', () => {
    expect(forSelf()({ type: 'add', obj: pod('a') })).toEqual(['db/a']);
  });

  test('forOwner maps to the controlling owner of the given kind and group', () => {
    const map = forOwner(tikvKind);
    expect(map({ type: 'delete', obj: pod('tikv-0', 'basic-tikv-0') })).toEqual(['db/basic-tikv-0']);
    expect(map({ type: 'add', obj: pod('lonely') })).toEqual([]);
    expect(forOwner({ group: 'other.io', kind: 'TiKV' })({ type: 'add', obj: pod('p', 'x') })).toEqual([]);
  });

  test('forOwner ignores owners that are not the controller', () => {
    const obj = pod('p', 'x');
    obj.metadata.ownerReferences = obj.metadata.ownerReferences?.map((r) => ({ ...r, controller: false }));
    expect(forOwner(tikvKind)({ type: 'add', obj })).toEqual([]);
  });

  test('forOwner reconciles both the old and the new owner on update', () => {
    const map = forOwner(tikvKind);
    expect(map({ type: 'update', old: pod('p', 'a'), obj: pod('p', 'b') })).toEqual(['db/b', 'db/a']);
    expect(map({ type: 'update', old: pod('p', 'a'), obj: pod('p', 'a') })).toEqual(['db/a']);
  });

  test('mapTo accepts one key, several keys or none, from the old object too on update', () => {
    const byLabel = mapTo<KubeObject>((o) => o.metadata.labels?.cluster);
    const labelled = (c: string) => ({ ...pod('p'), metadata: { ...pod('p').metadata, labels: { cluster: c } } });
    expect(byLabel({ type: 'add', obj: labelled('db/basic') })).toEqual(['db/basic']);
    expect(byLabel({ type: 'add', obj: pod('p') })).toEqual([]);
    expect(byLabel({ type: 'update', obj: labelled('db/x'), old: labelled('db/y') })).toEqual(['db/x', 'db/y']);
    expect(mapTo<KubeObject>(() => ['a', 'b'])({ type: 'delete', obj: pod('p') })).toEqual(['a', 'b']);
  });
});

describe('Controller', () => {
  test('reconciles nothing before it is started, not even enqueued keys', async () => {
    const { informer, reconciler, controller, clock } = setup();
    informer.put(pod('a'));
    controller.enqueue('db/a');
    await clock.flush();
    expect(reconciler.calls).toEqual([]);
    expect(controller.isRunning()).toBe(false);
  });

  test('reconciles every cached object at start, then the keys of new events', async () => {
    const { informer, reconciler, start, clock, controller } = setup();
    informer.put(pod('a'));
    start();
    await clock.flush();
    expect(controller.isRunning()).toBe(true);
    expect(reconciler.keys()).toEqual(['db/a']);
    reconciler.answer('db/a', {});
    informer.put(pod('b'));
    await clock.flush();
    expect(reconciler.keys()).toEqual(['db/a', 'db/b']);
  });

  test('enqueue reconciles a key from an external source', async () => {
    const { reconciler, start, clock, controller } = setup();
    start();
    controller.enqueue('db/from-pd');
    await clock.flush();
    expect(reconciler.keys()).toEqual(['db/from-pd']);
  });

  test('a raw source is subscribed only while the controller runs, and its keys are reconciled', async () => {
    const { reconciler, controller, clock, ac } = setup();
    let emit: ((keys: readonly string[]) => void) | undefined;
    let subscriptions = 0;
    controller.watchesSource((e) => {
      subscriptions++;
      emit = e;
      return () => {
        emit = undefined;
      };
    });
    expect(subscriptions).toBe(0);
    const run = controller.start(ac.signal);
    await clock.flush();
    expect(subscriptions).toBe(1);
    emit?.(['db/x', 'db/y']);
    await clock.flush();
    expect(reconciler.keys()).toEqual(['db/x']);
    reconciler.answer('db/x', {});
    await clock.flush();
    expect(reconciler.keys()).toEqual(['db/x', 'db/y']);
    reconciler.answer('db/y', {});
    ac.abort();
    await run;
    expect(emit).toBeUndefined();
  });

  test('a requested requeue reconciles the key again after the delay', async () => {
    const { reconciler, start, clock, controller } = setup();
    start();
    controller.enqueue('db/a');
    await clock.flush();
    reconciler.answer('db/a', { requeueAfterMs: 5000 });
    await clock.advance(4999);
    expect(reconciler.calls.length).toBe(1);
    await clock.advance(1);
    expect(reconciler.calls.map((c) => c.at - reconciler.calls[0]!.at)).toEqual([0, 5000]);
  });

  test('a failing reconcile is retried with growing backoff, and success resets it', async () => {
    const { reconciler, start, clock, controller } = setup();
    start();
    controller.enqueue('db/a');
    await clock.flush();
    for (let i = 0; i < 3; i++) {
      reconciler.answer('db/a', new Error('PD unreachable'));
      const n = reconciler.calls.length;
      while (reconciler.calls.length === n) await clock.advance(100);
    }
    const t = reconciler.calls.map((c) => c.at - reconciler.calls[0]!.at);
    expect(t).toEqual([0, 500, 1500, 3500]);
    reconciler.answer('db/a', {});
    controller.enqueue('db/a');
    await clock.flush();
    reconciler.answer('db/a', new Error('again'));
    const before = reconciler.calls.length;
    await clock.advance(500);
    expect(reconciler.calls.length).toBe(before + 1);
  });

  test('requeueAfterMs 0 retries through the backoff instead of spinning', async () => {
    const { reconciler, start, clock, controller } = setup();
    start();
    controller.enqueue('db/a');
    await clock.flush();
    reconciler.answer('db/a', { requeueAfterMs: 0 });
    await clock.flush();
    expect(reconciler.calls.length).toBe(1);
    await clock.advance(500);
    expect(reconciler.calls.length).toBe(2);
  });

  test('a key changed during its reconcile is reconciled again afterwards, never concurrently', async () => {
    const { informer, reconciler, start, clock } = setup(4);
    informer.put(pod('a'));
    start();
    await clock.flush();
    informer.put(pod('a'));
    informer.put(pod('a'));
    await clock.flush();
    expect(reconciler.calls.length).toBe(1);
    reconciler.answer('db/a', {});
    await clock.flush();
    expect(reconciler.keys()).toEqual(['db/a', 'db/a']);
    reconciler.answer('db/a', {});
    await clock.flush();
    expect(reconciler.calls.length).toBe(2);
    expect(reconciler.overlappedKey).toBe(false);
  });

  test('runs at most the configured number of reconciles at once', async () => {
    const { informer, reconciler, start, clock } = setup(3);
    for (const n of ['a', 'b', 'c', 'd', 'e']) informer.put(pod(n));
    start();
    await clock.flush();
    expect(reconciler.inFlight).toBe(3);
    reconciler.answer('db/a', {});
    await clock.flush();
    expect(reconciler.keys()).toEqual(['db/a', 'db/b', 'db/c', 'db/d']);
    for (const k of ['db/b', 'db/c', 'db/d']) reconciler.answer(k, {});
    await clock.flush();
    reconciler.answer('db/e', {});
    await clock.flush();
    expect(reconciler.maxInFlight).toBe(3);
    expect(reconciler.calls.length).toBe(5);
  });

  test('stopping waits for in-flight reconciles, unsubscribes, and the controller can start again', async () => {
    const { informer, reconciler, start, clock, ac, controller } = setup(2);
    informer.put(pod('a'));
    let stopped = false;
    const run = start().then(() => {
      stopped = true;
    });
    await clock.flush();
    ac.abort();
    await clock.flush();
    expect(stopped).toBe(false);
    expect(informer.handlerCount()).toBe(0);
    reconciler.answer('db/a', new Error('aborted'));
    await run;
    expect(controller.isRunning()).toBe(false);
    informer.put(pod('b'));
    await clock.flush();
    expect(reconciler.calls.length).toBe(1);

    const again = new AbortController();
    const run2 = controller.start(again.signal);
    await clock.flush();
    expect(reconciler.keys()).toEqual(['db/a', 'db/a', 'db/b']);
    reconciler.answer('db/a', {});
    reconciler.answer('db/b', {});
    again.abort();
    await run2;
  });

  test('refuses to start twice at the same time', async () => {
    const { start, ac, clock } = setup();
    const run = start();
    await clock.flush();
    await expect(start()).rejects.toThrow('already running');
    ac.abort();
    await run;
  });

  test('reports each reconcile result to the observer', async () => {
    const seen: string[] = [];
    const { reconciler, start, clock, controller } = setup(1, { reconciled: (r, s) => seen.push(`${r}:${s}`) });
    start();
    controller.enqueue('db/a');
    await clock.flush();
    await clock.advance(250);
    reconciler.answer('db/a', {});
    controller.enqueue('db/b');
    await clock.flush();
    reconciler.answer('db/b', { requeueAfterMs: 1000 });
    controller.enqueue('db/c');
    await clock.flush();
    reconciler.answer('db/c', new Error('x'));
    await clock.flush();
    expect(seen).toEqual(['success:0.25', 'requeue:0', 'error:0']);
  });

  test('a mapper that throws does not stop other events', async () => {
    const clock = new FakeClock();
    const informer = new FakeInformer(kinds.Pod);
    const reconciler = new ScriptedReconciler(clock);
    const controller = new Controller({ name: 't', reconciler, clock }).watches(informer, (e) => {
      if (e.obj.metadata.name === 'bad') throw new Error('mapper bug');
      return [keyOf(e.obj)];
    });
    const ac = new AbortController();
    const run = controller.start(ac.signal);
    informer.put(pod('bad'));
    informer.put(pod('good'));
    await clock.flush();
    expect(reconciler.keys()).toEqual(['db/good']);
    reconciler.answer('db/good', {});
    ac.abort();
    await run;
  });
});
