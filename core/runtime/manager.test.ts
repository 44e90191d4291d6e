import { describe, expect, test } from 'bun:test';
import { type KubeObject, kinds } from '../kube/object.ts';
import { FakeClock } from './clock.ts';
import { Controller, forSelf } from './controller.ts';
import type { Lease } from './lease.ts';
import { Manager } from './manager.ts';
import type { ReconcileResult } from './reconciler.ts';
import { FakeInformer } from './testing/fake-informer.ts';
import { FakeLeaseStore } from './testing/fake-lease-client.ts';

const pod = (name: string): KubeObject => ({ metadata: { name, namespace: 'db' } });

/** Records reconciles; while `hold` is set, reconciles wait for `release()`. */
class RecordingReconciler {
  readonly keys: string[] = [];
  private held: (() => void)[] = [];
  hold = false;
  constructor(private readonly log: string[]) {}

  reconcile = async (key: string): Promise<ReconcileResult> => {
    this.keys.push(key);
    this.log.push(`reconcile ${key}`);
    if (this.hold) await new Promise<void>((resolve) => this.held.push(resolve));
    this.log.push(`reconciled ${key}`);
    return {};
  };

  release(): void {
    for (const r of this.held.splice(0)) r();
  }
}

function setup(opts: { synced?: boolean; store?: FakeLeaseStore; identity?: string; clock?: FakeClock } = {}) {
  const clock = opts.clock ?? new FakeClock();
  const log: string[] = [];
  const made: FakeInformer[] = [];
  const manager = new Manager({
    clock,
    informerFactory: (kind, scope) => {
      const informer = new FakeInformer(kind, { synced: opts.synced ?? true });
      const stop = informer.stop.bind(informer);
      informer.stop = async () => {
        log.push(`informer ${kind.kind}${scope.namespace ? ` ${scope.namespace}` : ''} stopped`);
        await stop();
      };
      made.push(informer);
      return informer;
    },
    leaderElection: opts.store
      ? {
          client: opts.store.client(opts.identity ?? 'm'),
          namespace: 'ops',
          name: 'tikv-operator',
          identity: opts.identity ?? 'm',
        }
      : undefined,
  });
  const pods = manager.informer(kinds.Pod) as FakeInformer;
  const reconciler = new RecordingReconciler(log);
  manager.add(new Controller({ name: 'pods', reconciler, clock }).watches(pods, forSelf()));
  return { clock, log, manager, pods, reconciler, made };
}

describe('Manager', () => {
  test('shares one informer per kind and scope', () => {
    const { manager, made } = setup();
    expect(manager.informer(kinds.Pod)).toBe(manager.informer(kinds.Pod));
    expect(manager.informer(kinds.Pod, { namespace: 'a' })).not.toBe(manager.informer(kinds.Pod));
    expect(made).toHaveLength(2);
  });

  test('refuses informers and controllers after it started', async () => {
    const { manager, clock } = setup();
    await manager.start();
    expect(() => manager.informer(kinds.ConfigMap)).toThrow('after the manager started');
    expect(() => manager.add(new Controller({ name: 'late', reconciler: { reconcile: async () => ({}) } }))).toThrow(
      'after the manager started',
    );
    await clock.flush();
    await manager.stop();
  });

  test('starts the controllers only after every informer synced', async () => {
    const { manager, pods, reconciler, clock } = setup({ synced: false });
    pods.objects.set('db/a', pod('a'));
    const started = manager.start();
    await clock.flush();
    expect(pods.started).toBe(true);
    expect(manager.isSynced()).toBe(false);
    expect(manager.controllersRunning()).toBe(false);
    expect(reconciler.keys).toEqual([]);
    pods.markSynced();
    await started;
    await clock.flush();
    expect(manager.isSynced()).toBe(true);
    expect(manager.controllersRunning()).toBe(true);
    expect(manager.isLeader()).toBe(true);
    expect(reconciler.keys).toEqual(['db/a']);
    await manager.stop();
  });

  test('a manager without controllers still reports them running until it stops (readiness, leadership)', async () => {
    const manager = new Manager({ informerFactory: () => new FakeInformer(kinds.Pod), clock: new FakeClock() });
    await manager.start();
    expect(manager.controllersRunning()).toBe(true);
    expect(manager.isLeader()).toBe(true);
    await manager.stop();
    expect(manager.controllersRunning()).toBe(false);
  });

  test('stop drains in-flight reconciles before it stops the informers', async () => {
    const { manager, pods, reconciler, clock, log } = setup();
    reconciler.hold = true;
    await manager.start();
    pods.put(pod('a'));
    await clock.flush();
    let stopped = false;
    const stopping = manager.stop().then(() => {
      stopped = true;
    });
    await clock.flush();
    expect(stopped).toBe(false);
    expect(pods.stopped).toBe(false);
    reconciler.release();
    await stopping;
    expect(log).toEqual(['reconcile db/a', 'reconciled db/a', 'informer Pod stopped']);
    expect(manager.controllersRunning()).toBe(false);
  });

  test('stopping before the caches synced starts no controller', async () => {
    const { manager, pods, reconciler, clock } = setup({ synced: false });
    pods.objects.set('db/a', pod('a'));
    const ac = new AbortController();
    const started = manager.start(ac.signal);
    await clock.flush();
    ac.abort();
    await started;
    await manager.stop();
    expect(reconciler.keys).toEqual([]);
    expect(manager.controllersRunning()).toBe(false);
    expect(pods.stopped).toBe(true);
  });

  test('with leader election only the leader runs controllers, and a successor takes over after a graceful stop', async () => {
    const clock = new FakeClock();
    const store = new FakeLeaseStore();
    const one = setup({ clock, store, identity: 'one' });
    await one.manager.start();
    await clock.flush();
    const two = setup({ clock, store, identity: 'two' });
    one.pods.put(pod('a'));
    two.pods.put(pod('a'));
    await two.manager.start();
    await clock.advance(10_000);
    expect(one.manager.isLeader()).toBe(true);
    expect(one.manager.controllersRunning()).toBe(true);
    expect(two.manager.isSynced()).toBe(true);
    expect(two.manager.isLeader()).toBe(false);
    expect(two.manager.controllersRunning()).toBe(false);
    expect(two.reconciler.keys).toEqual([]);

    await one.manager.stop();
    expect(store.read<Lease>('ops/tikv-operator')?.spec?.holderIdentity).toBeUndefined();
    await clock.advance(2000);
    expect(two.manager.isLeader()).toBe(true);
    expect(two.manager.controllersRunning()).toBe(true);
    expect(two.reconciler.keys).toEqual(['db/a']);
    await two.manager.stop();
  });

  test('controllers stop when leadership is lost and start again when it comes back', async () => {
    const clock = new FakeClock();
    const store = new FakeLeaseStore();
    const one = setup({ clock, store, identity: 'one' });
    await one.manager.start();
    await clock.flush();
    expect(one.manager.controllersRunning()).toBe(true);
    // Take the lease away behind the manager's back: its next renewal conflicts and it sees another holder.
    const lease = store.read<Lease>('ops/tikv-operator')!;
    await store.client('admin').replace(kinds.Lease, { ...lease, spec: { ...lease.spec, holderIdentity: 'other' } });
    await clock.advance(4000);
    expect(one.manager.isLeader()).toBe(false);
    expect(one.manager.controllersRunning()).toBe(false);
    // `other` never renews: after a lease duration the manager takes over and runs its controllers again.
    await clock.advance(20_000);
    expect(one.manager.isLeader()).toBe(true);
    expect(one.manager.controllersRunning()).toBe(true);
    await one.manager.stop();
  });
});
