import { describe, expect, test } from 'bun:test';
import type { Cluster } from '../../api/cluster.ts';
import { parseObject } from '../../api/kind.ts';
import { silentLogger } from '../../observability/log.ts';
import type { InstanceObject } from '../../plugin/contract.ts';
import { FakeClock } from '../../runtime/clock.ts';
import { runTasks } from '../../tasks/runner.ts';
import { sampleCluster, sampleCrds, sampleInstance, sampleKind } from './api.ts';
import { SampleDataPlane } from './data-plane.ts';
import { type SampleContext, SamplePlugin, sampleSteps } from './plugin.ts';

const cluster = sampleCluster('c', 'ns') as Cluster;

function instance(spec: Record<string, unknown> = {}, name = 's-0'): InstanceObject {
  // A config admission would reject still reaches the plugin when a client skipped the CRD (or the CEL regex
  // missed it): the plugin must reject it too.
  if (typeof spec.config === 'string' && spec.config.includes('name')) {
    return sampleInstance(name, 'ns', { cluster: 'c', group: 's', spec }) as unknown as InstanceObject;
  }
  const parsed = parseObject(sampleKind, sampleInstance(name, 'ns', { cluster: 'c', group: 's', spec }));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.value as unknown as InstanceObject;
}

function context(plugin: SamplePlugin, inst: InstanceObject, podPhase?: string): SampleContext {
  const ctx: SampleContext = {
    cluster,
    groups: new Map(),
    clock: new FakeClock(),
    logger: silentLogger(),
    events: { record: () => {} },
    instance: inst,
    group: undefined,
    pod: podPhase ? { metadata: { name: inst.metadata.name, uid: 'pod-uid' }, status: { phase: podPhase } } : undefined,
    peers: [inst],
    dataPlane: { member: undefined },
    statusPatch: {},
    setCondition: () => {},
    removeCondition: () => {},
  };
  ctx.dataPlane = plugin.loadDataPlane({ ...ctx, dataPlane: undefined });
  return ctx;
}

function setup(mode: 'offline' | 'delete' = 'delete') {
  const dataPlane = new SampleDataPlane();
  const plugin = new SamplePlugin({ dataPlane, scaleInMode: mode });
  return { dataPlane, plugin };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('sample plugin', () => {
  test('builds structural CRDs for both kinds', () => {
    expect(sampleCrds().map((c) => c.metadata.name)).toEqual(['samplegroups.core.tikv.org', 'samples.core.tikv.org']);
  });

  test('renders the user config with the managed name, and rejects the name or broken TOML', () => {
    const { plugin } = setup();
    const ok = plugin.renderConfig(context(plugin, instance({ config: 'log-level = "info"' })));
    expect(ok).toEqual({ ok: true, fileName: 'config.toml', content: 'log-level = "info"\nname = "s-0"\n' });
    const managed = plugin.renderConfig(context(plugin, instance({ config: 'name = "x"' })));
    expect(managed).toEqual({ ok: false, errors: ['config must not set name: the operator manages it'] });
    const broken = plugin.renderConfig(context(plugin, instance({ config: '[[[' })));
    expect(broken.ok).toBe(false);
  });

  test('renders the container from version, image and resources', () => {
    const { plugin } = setup();
    const pod = plugin.renderPod(context(plugin, instance({ resources: { cpu: '1', memory: '1Gi' } })));
    expect(pod.container).toMatchObject({
      name: 'sample',
      image: 'example.org/sample:v1.0.0',
      resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } },
    });
    expect(pod.configMountPath).toBe('/etc/sample');
    expect(plugin.renderPod(context(plugin, instance({ image: 'mirror/sample:dev' }))).container.image).toBe(
      'mirror/sample:dev',
    );
  });

  test('a member joins once its Pod runs and is then healthy', async () => {
    const { plugin, dataPlane } = setup();
    const inst = instance();
    const pending = context(plugin, inst, 'Pending');
    await runTasks(pending, plugin.syncSteps);
    expect(dataPlane.member('ns', 's-0')).toBeUndefined();
    expect(plugin.health(pending)).toEqual({ healthy: false, reason: 'the member has not joined yet' });

    const running = context(plugin, inst, 'Running');
    await runTasks(running, plugin.syncSteps);
    expect(dataPlane.member('ns', 's-0')).toMatchObject({ state: 'Up', id: '1' });
    expect(running.statusPatch).toEqual({ memberId: '1', memberState: 'Up' });
    expect(plugin.health(running).healthy).toBe(true);
    expect(plugin.callsOf('s-0')).toEqual([sampleSteps.join]);
  });

  test('removal goes Up -> Removing -> Removed and can be cancelled only while Removing', async () => {
    const { plugin, dataPlane } = setup('offline');
    const ctx = context(plugin, instance(), 'Running');
    dataPlane.join('ns', 'c', 's-0');
    expect(plugin.scaleIn.mode).toBe('offline');
    plugin.hold(sampleSteps.finishRemoval);
    const first = await runTasks(ctx, plugin.scaleIn.steps);
    expect(first.result.kind).toBe('wait');
    expect(plugin.scaleIn.isRemoving?.(ctx)).toBe(true);
    expect(plugin.scaleIn.isRemoved?.(ctx)).toBe(false);
    expect(plugin.reached(sampleSteps.finishRemoval, 's-0')).toBe(true);

    await runTasks(ctx, plugin.scaleIn.cancelSteps ?? []);
    expect(dataPlane.member('ns', 's-0')?.state).toBe('Up');

    plugin.release(sampleSteps.finishRemoval);
    const second = await runTasks(ctx, plugin.scaleIn.steps);
    expect(second.result.kind).toBe('complete');
    expect(plugin.scaleIn.isRemoved?.(ctx)).toBe(true);
    await runTasks(ctx, plugin.scaleIn.cancelSteps ?? []);
    expect(dataPlane.member('ns', 's-0')?.state).toBe('Removed');
    expect(plugin.callsOf('s-0')).toEqual([
      sampleSteps.startRemoval,
      sampleSteps.cancelRemoval,
      sampleSteps.startRemoval,
      sampleSteps.finishRemoval,
    ]);
  });

  test('restart steps drain and undrain, recording the Pod they saw', async () => {
    const { plugin, dataPlane } = setup();
    const ctx = context(plugin, instance(), 'Running');
    dataPlane.join('ns', 'c', 's-0');
    await runTasks(ctx, plugin.restart.after);
    expect(plugin.calls).toEqual([]);
    await runTasks(ctx, plugin.restart.before);
    await runTasks(ctx, plugin.restart.before);
    expect(dataPlane.member('ns', 's-0')?.drained).toBe(true);
    await runTasks(ctx, plugin.restart.after);
    expect(plugin.calls).toEqual([
      { step: sampleSteps.drain, namespace: 'ns', instance: 's-0', podUid: 'pod-uid', podDeleting: false },
      { step: sampleSteps.undrain, namespace: 'ns', instance: 's-0', podUid: 'pod-uid', podDeleting: false },
    ]);
  });

  test('a hold for one instance leaves the others alone', async () => {
    const { plugin, dataPlane } = setup();
    dataPlane.join('ns', 'c', 's-0');
    dataPlane.join('ns', 'c', 's-1');
    plugin.hold(sampleSteps.drain, 's-0');
    expect((await runTasks(context(plugin, instance({}, 's-0'), 'Running'), plugin.restart.before)).result.kind).toBe(
      'wait',
    );
    expect((await runTasks(context(plugin, instance({}, 's-1'), 'Running'), plugin.restart.before)).result.kind).toBe(
      'complete',
    );
    expect(plugin.reached(sampleSteps.drain, 's-0')).toBe(true);
    expect(plugin.reached(sampleSteps.drain, 's-1')).toBe(false);
  });

  test('pushes changes to the watchers of the cluster, also on release', async () => {
    const { plugin, dataPlane } = setup();
    const seen: string[] = [];
    const stop = dataPlane.watch(cluster, (names) => seen.push(...names));
    dataPlane.join('ns', 'c', 's-0');
    dataPlane.join('ns', 'other', 'x-0');
    await flush();
    expect(seen).toEqual(['s-0']);

    plugin.hold(sampleSteps.drain);
    await runTasks(context(plugin, instance(), 'Running'), plugin.restart.before);
    seen.length = 0;
    plugin.release(sampleSteps.drain);
    await flush();
    expect(seen).toEqual(['s-0']);

    stop();
    expect(dataPlane.watcherCount('ns', 'c')).toBe(0);
    dataPlane.startRemoval('ns', 's-0');
    await flush();
    expect(seen).toEqual(['s-0']);
    expect(dataPlane.membersOf('ns', 'c').map((m) => m.name)).toEqual(['s-0']);
  });

  test('mayRemove refuses with the configured reason', () => {
    const { plugin } = setup();
    const ctx = { ...context(plugin, instance()), group: undefined as never, instances: [] };
    expect(plugin.scaleIn.mayRemove?.(ctx, 1)).toEqual({ ok: true });
    plugin.removalRefusal = 'quorum';
    expect(plugin.scaleIn.mayRemove?.(ctx, 1)).toEqual({ ok: false, reason: 'quorum' });
  });

  test('checks the group template config and reports the names the data plane holds', () => {
    const { plugin, dataPlane } = setup();
    const base = context(plugin, instance());
    const group = (config: string) =>
      ({
        apiVersion: 'core.tikv.org/v1alpha1',
        kind: 'SampleGroup',
        metadata: { name: 's', namespace: 'ns' },
        spec: { cluster: { name: 'c' }, replicas: 1, minReadySeconds: 0, template: { spec: { config } } },
      }) as never;
    expect(plugin.validateTemplate({ ...base, group: group('a = 1') })).toEqual([]);
    expect(plugin.validateTemplate({ ...base, group: group('name = "x"') })).toEqual([
      'config must not set name: the operator manages it',
    ]);
    dataPlane.join('ns', 'c', 's-0');
    dataPlane.join('ns', 'c', 's-3');
    dataPlane.join('ns', 'c', 'other-1');
    dataPlane.startRemoval('ns', 's-3');
    expect(plugin.namesInUse({ ...base, group: group('') })).toEqual(['s-0', 's-3']);
    dataPlane.forget('ns', 's-3');
    expect(plugin.namesInUse({ ...base, group: group('') })).toEqual(['s-0']);
  });
});
