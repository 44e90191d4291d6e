import { describe, expect, test } from 'bun:test';
import { KubeApiError } from '../kube/errors.ts';
import type { KubeObject, ResourceKind } from '../kube/object.ts';
import { FakeClock } from '../runtime/clock.ts';
import {
  type EventRecorderOptions,
  type EventRegarding,
  eventName,
  type KubeEvent,
  KubeEventRecorder,
  microTime,
  truncateUtf8,
} from './events.ts';
import { createLogger } from './log.ts';

const start = Date.parse('2030-01-01T00:00:00.000Z');

class FakeEventClient {
  readonly created: KubeEvent[] = [];
  readonly patches: { name: string; namespace: string | undefined; patch: unknown }[] = [];
  createError: unknown;
  patchError: unknown;
  /** While set, create waits for it: lets a test observe a record arriving during a create in flight. */
  createGate: Promise<void> | undefined;

  async create<T extends KubeObject>(kind: ResourceKind, obj: T): Promise<T> {
    expect(kind.kind).toBe('Event');
    if (this.createGate) await this.createGate;
    if (this.createError) throw this.createError;
    this.created.push(structuredClone(obj) as unknown as KubeEvent);
    return obj;
  }

  async mergePatch<T extends KubeObject>(
    kind: ResourceKind,
    name: string,
    namespace: string | undefined,
    patch: unknown,
  ): Promise<T> {
    expect(kind.kind).toBe('Event');
    if (this.patchError) throw this.patchError;
    this.patches.push({ name, namespace, patch: structuredClone(patch) });
    return { metadata: { name, namespace } } as T;
  }
}

function setup(options: Partial<EventRecorderOptions> = {}) {
  const client = new FakeEventClient();
  const clock = new FakeClock(start);
  const logLines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'debug', sink: (line) => logLines.push(JSON.parse(line)) });
  const recorder = new KubeEventRecorder({ client, clock, logger, reportingInstance: 'operator-0', ...options });
  return { client, clock, recorder, logLines };
}

const tikvGroup: EventRegarding = {
  apiVersion: 'core.tikv.org/v1alpha1',
  kind: 'TiKVGroup',
  metadata: { name: 'basic', namespace: 'db', uid: 'uid-1', resourceVersion: '42' },
};

describe('event recorder', () => {
  test('creates an events.k8s.io/v1 Event about the object', async () => {
    const { client, recorder } = setup();
    recorder.record(tikvGroup, 'Normal', 'ScaledOut', 'Scale', 'added tikv basic-tikv-3');
    await recorder.flush();
    expect(client.created).toHaveLength(1);
    const event = client.created[0]!;
    expect(event.metadata.name).toMatch(/^basic\.[0-9a-f]{16}$/);
    expect(event).toEqual({
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: event.metadata.name, namespace: 'db' },
      eventTime: '2030-01-01T00:00:00.000000Z',
      reportingController: 'tikv-operator',
      reportingInstance: 'operator-0',
      type: 'Normal',
      reason: 'ScaledOut',
      action: 'Scale',
      note: 'added tikv basic-tikv-3',
      regarding: {
        apiVersion: 'core.tikv.org/v1alpha1',
        kind: 'TiKVGroup',
        name: 'basic',
        namespace: 'db',
        uid: 'uid-1',
      },
    });
  });

  test('puts events about cluster-scoped objects in the default namespace', async () => {
    const { client, recorder } = setup();
    recorder.record(
      { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' } },
      'Warning',
      'NotReady',
      'Check',
      'x',
    );
    await recorder.flush();
    expect(client.created[0]?.metadata.namespace).toBe('default');
    expect(client.created[0]?.regarding).toEqual({ apiVersion: 'v1', kind: 'Node', name: 'node-1' });
  });

  test('repeats within the window become one Event whose series is patched at most once per interval', async () => {
    const { client, clock, recorder } = setup({ seriesPatchIntervalMs: 30_000 });
    const repeat = () => recorder.record(tikvGroup, 'Warning', 'ScaleInRefused', 'Scale', 'PD max-replicas is 3');
    repeat();
    await recorder.flush();
    await clock.advance(1_000);
    repeat();
    await clock.advance(1_000);
    repeat();
    await recorder.flush();
    expect(client.created).toHaveLength(1);
    expect(client.patches).toHaveLength(0);

    await clock.advance(28_000);
    await recorder.flush();
    expect(client.patches).toEqual([
      {
        name: client.created[0]!.metadata.name,
        namespace: 'db',
        patch: { series: { count: 3, lastObservedTime: '2030-01-01T00:00:02.000000Z' } },
      },
    ]);

    // Long after the last patch: the next repeat is written at once.
    await clock.advance(60_000);
    repeat();
    await recorder.flush();
    expect(client.patches).toHaveLength(2);
    expect(client.patches[1]?.patch).toEqual({ series: { count: 4, lastObservedTime: '2030-01-01T00:01:30.000000Z' } });
    expect(client.created).toHaveLength(1);
  });

  test('different notes, reasons, types or objects are different Events', async () => {
    const { client, recorder } = setup();
    recorder.record(tikvGroup, 'Normal', 'Upgrading', 'Update', 'tikv-0');
    recorder.record(tikvGroup, 'Normal', 'Upgrading', 'Update', 'tikv-1');
    recorder.record(tikvGroup, 'Normal', 'Upgraded', 'Update', 'tikv-1');
    recorder.record(tikvGroup, 'Warning', 'Upgraded', 'Update', 'tikv-1');
    recorder.record(
      { ...tikvGroup, metadata: { ...tikvGroup.metadata, uid: 'uid-2' } },
      'Warning',
      'Upgraded',
      'Update',
      'tikv-1',
    );
    await recorder.flush();
    expect(client.created).toHaveLength(5);
    expect(client.patches).toHaveLength(0);
  });

  test('a repeat after the window has passed creates a new Event', async () => {
    const { client, clock, recorder } = setup({ seriesWindowMs: 60_000 });
    recorder.record(tikvGroup, 'Normal', 'Synced', 'Sync', 'ok');
    await clock.advance(61_000);
    recorder.record(tikvGroup, 'Normal', 'Synced', 'Sync', 'ok');
    await recorder.flush();
    expect(client.created).toHaveLength(2);
    expect(client.created[1]?.eventTime).toBe('2030-01-01T00:01:01.000000Z');
    expect(client.created[1]?.series).toBeUndefined();
  });

  test('a repeat while the create is still in flight is patched only after the create', async () => {
    const { client, clock, recorder } = setup({ seriesPatchIntervalMs: 10 });
    let openGate: () => void = () => {};
    client.createGate = new Promise((resolve) => {
      openGate = resolve;
    });
    recorder.record(tikvGroup, 'Normal', 'Synced', 'Sync', 'ok');
    await clock.advance(20);
    recorder.record(tikvGroup, 'Normal', 'Synced', 'Sync', 'ok');
    await Promise.resolve();
    expect(client.patches).toHaveLength(0);
    openGate();
    await recorder.flush();
    expect(client.created).toHaveLength(1);
    expect(client.patches).toHaveLength(1);
  });

  test('never throws into the caller and logs failed writes; the next occurrence tries a fresh create', async () => {
    const { client, recorder, logLines } = setup();
    client.createError = new Error('apiserver unavailable');
    expect(() => recorder.record(tikvGroup, 'Normal', 'Synced', 'Sync', 'ok')).not.toThrow();
    await recorder.flush();
    expect(client.created).toHaveLength(0);
    expect(logLines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        msg: 'writing event failed',
        component: 'events',
        err: expect.objectContaining({ message: 'apiserver unavailable' }),
      }),
    );
    client.createError = undefined;
    recorder.record(tikvGroup, 'Normal', 'Synced', 'Sync', 'ok');
    await recorder.flush();
    expect(client.created).toHaveLength(1);
    expect(client.patches).toHaveLength(0);
  });

  test('never throws on malformed input either', () => {
    const { recorder } = setup();
    const broken = { apiVersion: 'v1', kind: 'Pod' } as unknown as EventRegarding;
    expect(() => recorder.record(broken, 'Normal', 'R', 'A', 'n')).not.toThrow();
  });

  test('when the series object has expired, a new Event carrying the series is created', async () => {
    const { client, clock, recorder } = setup({ seriesPatchIntervalMs: 1_000 });
    recorder.record(tikvGroup, 'Warning', 'DownPeers', 'Restart', 'waiting');
    await recorder.flush();
    client.patchError = new KubeApiError({ code: 404, reason: 'NotFound', message: 'events "basic.x" not found' });
    await clock.advance(5_000);
    recorder.record(tikvGroup, 'Warning', 'DownPeers', 'Restart', 'waiting');
    await recorder.flush();
    expect(client.created).toHaveLength(2);
    const replacement = client.created[1]!;
    expect(replacement.metadata.name).not.toBe(client.created[0]?.metadata.name);
    expect(replacement.series).toEqual({ count: 2, lastObservedTime: '2030-01-01T00:00:05.000000Z' });

    client.patchError = undefined;
    await clock.advance(5_000);
    recorder.record(tikvGroup, 'Warning', 'DownPeers', 'Restart', 'waiting');
    await recorder.flush();
    expect(client.patches).toEqual([
      {
        name: replacement.metadata.name,
        namespace: 'db',
        patch: { series: { count: 3, lastObservedTime: '2030-01-01T00:00:10.000000Z' } },
      },
    ]);
  });

  test('rate-limits new Events per object, logs the drop once, and recovers as tokens refill', async () => {
    const { client, clock, recorder, logLines } = setup({ perObjectBurst: 3, perObjectRefillMs: 10_000 });
    for (let i = 0; i < 10; i++) recorder.record(tikvGroup, 'Normal', 'Step', 'Reconcile', `step ${i}`);
    await recorder.flush();
    expect(client.created.map((e) => e.note)).toEqual(['step 0', 'step 1', 'step 2']);
    expect(
      logLines.filter((l) => l.msg === 'event rate limit reached, dropping new events until it refills'),
    ).toHaveLength(1);

    const other: EventRegarding = { ...tikvGroup, metadata: { name: 'other', namespace: 'db', uid: 'uid-9' } };
    recorder.record(other, 'Normal', 'Step', 'Reconcile', 'unaffected');
    await clock.advance(10_000);
    recorder.record(tikvGroup, 'Normal', 'Step', 'Reconcile', 'step 10');
    recorder.record(tikvGroup, 'Normal', 'Step', 'Reconcile', 'step 11');
    await recorder.flush();
    expect(client.created.map((e) => e.note)).toEqual(['step 0', 'step 1', 'step 2', 'unaffected', 'step 10']);
  });

  test('rate-limits new Events globally across objects', async () => {
    const { client, recorder } = setup({ globalBurst: 4, globalRefillMs: 1_000 });
    for (let i = 0; i < 10; i++) {
      recorder.record({ ...tikvGroup, metadata: { name: `g-${i}`, namespace: 'db' } }, 'Normal', 'R', 'A', 'n');
    }
    await recorder.flush();
    expect(client.created).toHaveLength(4);
  });

  test('repeats of an existing series are not rate-limited away', async () => {
    const { client, clock, recorder } = setup({ perObjectBurst: 1, seriesPatchIntervalMs: 1_000 });
    recorder.record(tikvGroup, 'Warning', 'Stuck', 'Reconcile', 'same');
    for (let i = 0; i < 50; i++) recorder.record(tikvGroup, 'Warning', 'Stuck', 'Reconcile', 'same');
    await clock.advance(1_000);
    await recorder.flush();
    expect(client.created).toHaveLength(1);
    expect(client.patches.map((p) => p.patch)).toEqual([
      { series: { count: 51, lastObservedTime: '2030-01-01T00:00:00.000000Z' } },
    ]);
  });

  test('close writes pending series counts at once and ignores later records', async () => {
    const { client, clock, recorder } = setup({ seriesPatchIntervalMs: 30_000 });
    recorder.record(tikvGroup, 'Normal', 'Synced', 'Sync', 'ok');
    recorder.record(tikvGroup, 'Normal', 'Synced', 'Sync', 'ok');
    expect(clock.pendingTimers()).toBe(1);
    await recorder.close();
    expect(clock.pendingTimers()).toBe(0);
    expect(client.patches).toHaveLength(1);
    recorder.record(tikvGroup, 'Normal', 'Other', 'Sync', 'ok');
    await recorder.flush();
    expect(client.created).toHaveLength(1);
  });

  test('forgets the least recently seen series beyond the limit', async () => {
    const { client, recorder } = setup({ maxSeries: 2 });
    recorder.record(tikvGroup, 'Normal', 'A', 'X', 'n');
    recorder.record(tikvGroup, 'Normal', 'B', 'X', 'n');
    recorder.record(tikvGroup, 'Normal', 'C', 'X', 'n');
    recorder.record(tikvGroup, 'Normal', 'A', 'X', 'n');
    await recorder.flush();
    expect(client.created.map((e) => e.reason)).toEqual(['A', 'B', 'C', 'A']);
  });

  test('truncates notes to the 1 KiB the apiserver accepts, and long reasons to 128 characters', async () => {
    const { client, recorder } = setup();
    recorder.record(tikvGroup, 'Warning', 'R'.repeat(200), 'A', 'é'.repeat(600));
    await recorder.flush();
    const event = client.created[0]!;
    expect(new TextEncoder().encode(event.note).length).toBe(1024);
    expect(event.note).toBe('é'.repeat(512));
    expect(event.reason).toHaveLength(128);
  });
});

describe('event helpers', () => {
  test('microTime has six fractional digits', () => {
    expect(microTime(Date.parse('2030-01-02T03:04:05.678Z'))).toBe('2030-01-02T03:04:05.678000Z');
  });

  test('truncateUtf8 never splits a character', () => {
    expect(truncateUtf8('a€b', 3)).toBe('a');
    expect(truncateUtf8('a€b', 4)).toBe('a€');
    expect(truncateUtf8('short', 10)).toBe('short');
  });

  test('event names are the regarding name with a random hex suffix and stay within 253 characters', () => {
    const a = eventName('basic-tikv-0');
    expect(a).toMatch(/^basic-tikv-0\.[0-9a-f]{16}$/);
    expect(eventName('basic-tikv-0')).not.toBe(a);
    expect(eventName('x'.repeat(253))).toHaveLength(253);
  });
});
