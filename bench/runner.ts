// Runs one scenario: a namespace of its own, the operator to measure, the steps (write, then wait until the
// clusters are settled at the new spec while sampling what the step waits for), the steady-state window, and the
// simulator's safety counters. Every number of a step is a difference of readings taken right before the
// bench's write and right after the clusters settled.
import { applyManifests } from '../cmd/dev/manifests.ts';
import { apiKinds } from '../cmd/kinds.ts';
import type { KubeClient } from '../core/kube/client.ts';
import { isNotFound } from '../core/kube/errors.ts';
import { type KubeObject, kinds, type ResourceKind } from '../core/kube/object.ts';
import type { ApiRequestCount } from '../core/observability/metrics.ts';
import type { PdClusterModel } from '../plugins/pd/simulator/model/cluster.ts';
import type { SafetyCounters } from '../plugins/pd/simulator/model/safety.ts';
import { dataPlaneProgress, storeViews } from './activity.ts';
import { ActivitySampler } from './activity-sampler.ts';
import { diffCounts, summarize } from './api-counts.ts';
import { ClusterWatch, waitForSettled } from './cluster-watch.ts';
import { type ClusterShape, clusterManifests } from './manifests.ts';
import type { MeasuredOperator } from './operator.ts';
import type { ProcessUsage } from './proc-stats.ts';
import type { DataPlaneSummary, SafetyResult, ScenarioResult, SteadyState, StepResult } from './results.ts';
import { applyStep, type ScenarioDefinition, type StepAction, stepInstances } from './scenarios.ts';
import { type GroupLike, groupKey } from './settled.ts';
import type { BenchTarget } from './target.ts';
import { splitTime, type TimeSplit } from './time-split.ts';

export interface ScenarioContext {
  target: BenchTarget;
  /** The bench's own client (its requests are not the operator's and are not counted). */
  client: KubeClient;
  /** examples/basic, loaded. */
  example: readonly KubeObject[];
  /** Starts (or connects to) the operator to measure for this scenario's namespace. */
  operatorFor(namespace: string, scenario: string): Promise<MeasuredOperator>;
  steadySeconds: number;
  stepTimeoutMs: number;
  /** Resources left out of the steady-state writes (an external operator's leader-election Lease). */
  steadyStateExcludes: readonly string[];
  /** Delete the namespace at the end (kubeconfig runs, unless --keep). */
  cleanup: boolean;
  log(line: string): void;
}

const serviceAccountKind: ResourceKind = {
  group: '',
  version: 'v1',
  kind: 'ServiceAccount',
  plural: 'serviceaccounts',
  namespaced: true,
};

/** CPU is counted in 10 ms ticks; two decimals is all there is. */
const round2 = (n: number) => Math.round(n * 100) / 100;

interface Reading {
  counts: ApiRequestCount[];
  usage: ProcessUsage;
}

async function read(operator: MeasuredOperator): Promise<Reading> {
  const [counts, usage] = await Promise.all([operator.apiCounts(), operator.usage()]);
  return { counts, usage };
}

export async function runScenario(def: ScenarioDefinition, ctx: ScenarioContext): Promise<ScenarioResult> {
  const namespace = `bench-${def.name}-${crypto.randomUUID().slice(0, 5)}`;
  const log = (line: string) => ctx.log(`[${def.name}] ${line}`);
  const result: ScenarioResult = {
    name: def.name,
    description: def.description,
    status: 'ok',
    clusters: def.clusters.length,
    instances: { pd: 0, tikv: 0 },
    steps: [],
    steadyState: null,
    operator: null,
    safety: null,
    dataPlane: null,
    operatorLog: null,
  };
  let shapes: ClusterShape[] = [...def.clusters];
  let operator: MeasuredOperator | undefined;
  let watch: ClusterWatch | undefined;
  let baseline: Reading | undefined;
  try {
    await createNamespace(ctx.client, namespace);
    log(`namespace ${namespace}`);
    operator = await ctx.operatorFor(namespace, def.name);
    result.operatorLog = operator.logPath;
    watch = await ClusterWatch.start(ctx.client, namespace);
    await operator.resetPeak();
    baseline = await read(operator);

    for (const step of def.steps) {
      log(`${step.name}${step.measured ? '' : ' (setup)'}...`);
      const stepResult = await runStep(step, shapes, { ctx, namespace, operator, watch, log });
      result.steps.push(stepResult);
      shapes = applyStep(shapes, step.action);
      log(`${step.name}: settled after ${(stepResult.durationMs / 1000).toFixed(1)} s`);
    }

    log(`steady state: watching writes for ${ctx.steadySeconds} s`);
    result.steadyState = await steadyState(operator, ctx);
  } catch (error) {
    result.status = 'failed';
    result.error = error instanceof Error ? error.message : String(error);
    log(`FAILED: ${result.error}`);
  } finally {
    // Also for a failed scenario: what the operator used until then helps to explain the failure.
    if (operator && baseline) {
      const start = baseline;
      const kind = operator.kind;
      result.operator = await read(operator).then(
        (end) => ({
          source: kind === 'child-process' ? ('proc' as const) : ('metrics' as const),
          baselineRssBytes: start.usage.rssBytes,
          peakRssBytes: end.usage.peakRssBytes,
          endRssBytes: end.usage.rssBytes,
          cpuSeconds: round2(end.usage.cpuSeconds - start.usage.cpuSeconds),
          startupCpuSeconds: kind === 'child-process' ? start.usage.cpuSeconds : null,
        }),
        () => null,
      );
    }
    result.instances = {
      pd: shapes.reduce((n, s) => n + s.pd, 0),
      tikv: shapes.reduce((n, s) => n + s.tikv, 0),
    };
    result.safety = safetyOf(ctx.target, namespace, shapes);
    result.dataPlane = dataPlaneOf(ctx.target, namespace, shapes);
    if (ctx.cleanup) await deleteScenario(ctx, namespace, shapes, log).catch((e) => log(`cleanup failed: ${e}`));
    await watch?.stop();
    await operator?.stop();
  }
  return result;
}

interface StepDeps {
  ctx: ScenarioContext;
  namespace: string;
  operator: MeasuredOperator;
  watch: ClusterWatch;
  log(line: string): void;
}

async function runStep(
  step: ScenarioDefinition['steps'][number],
  shapes: readonly ClusterShape[],
  deps: StepDeps,
): Promise<StepResult> {
  const { ctx, namespace, operator, watch } = deps;
  const names = shapes.map((s) => s.name);
  const sim = ctx.target.simulator;
  const models = sim
    ? () => names.map((n) => sim.cluster(namespace, n)?.model).filter((m): m is PdClusterModel => m !== undefined)
    : undefined;
  const before = await read(operator);
  const sampler = new ActivitySampler(watch, new Set(names), models);
  sampler.start();
  const startedAt = performance.now();
  let samples: ReturnType<ActivitySampler['stop']> | undefined;
  try {
    const minGenerations = await write(ctx, namespace, shapes, step.action);
    const times = await waitForSettled(watch, {
      clusters: names,
      minGenerations,
      timeoutMs: ctx.stepTimeoutMs,
      ...(sim
        ? {
            dataPlane: (cluster: string) => {
              const model = sim.cluster(namespace, cluster)?.model;
              return model
                ? dataPlaneProgress(cluster, storeViews(model))
                : { settled: false, reason: `${cluster}: no simulated PD yet` };
            },
          }
        : {}),
      progress: (line) => deps.log(`${step.name}: ${line}`),
    });
    samples = sampler.stop();
    const after = await read(operator);
    const durationMs = times.endAt - startedAt;
    const split = roundSplit(splitTime(samples, startedAt, times.endAt, sampler.observesDataPlane));
    const clusterTimes = [...times.clusterAt.values()].map((t) => t - startedAt).sort((a, b) => a - b);
    const touched = touchedKinds(step.action);
    const phases = [...times.kindAt.entries()]
      .filter(([kind]) => touched === 'all' || touched.includes(kind))
      .map(([kind, at]) => ({ name: `${kind}s settled`, atMs: Math.round(at - startedAt) }))
      .sort((a, b) => a.atMs - b.atMs);
    phases.push({ name: names.length > 1 ? 'every Cluster Ready' : 'Cluster Ready', atMs: Math.round(durationMs) });
    const instances = stepInstances(shapes, step.action);
    const api = summarize(diffCounts(before.counts, after.counts));
    return {
      name: step.name,
      measured: step.measured,
      durationMs: Math.round(durationMs),
      phases,
      clusterReadyMs:
        clusterTimes.length > 1
          ? {
              min: Math.round(clusterTimes[0] ?? 0),
              median: Math.round(clusterTimes[Math.floor(clusterTimes.length / 2)] ?? 0),
              max: Math.round(clusterTimes[clusterTimes.length - 1] ?? 0),
            }
          : null,
      split,
      instances,
      api,
      writesPerInstance: instances.count > 0 ? round2(api.writes / instances.count) : null,
      operatorMsPerInstance: instances.count > 0 ? Math.round(split.operatorMs / instances.count) : null,
      cpuSeconds: round2(after.usage.cpuSeconds - before.usage.cpuSeconds),
    };
  } finally {
    if (!samples) sampler.stop();
  }
}

/** Group kinds a step changes: only their milestones mean something (an untouched group is settled at once). */
function touchedKinds(action: StepAction): 'all' | string[] {
  const groupKinds = apiKinds().filter((k) => k.role === 'group');
  switch (action.type) {
    case 'create':
      return 'all';
    case 'scale':
      return groupKinds.filter((k) => k.component === action.component).map((k) => k.resource.kind);
    case 'upgrade':
      return groupKinds.map((k) => k.resource.kind);
  }
}

/** Whole milliseconds: the samples are 25 ms apart, fractions would only suggest precision. */
function roundSplit(split: TimeSplit): TimeSplit {
  const byWait = Object.fromEntries(
    Object.entries(split.byWait).map(([k, v]) => [k, Math.round(v)]),
  ) as TimeSplit['byWait'];
  return {
    ...split,
    dataPlaneWaitMs: split.dataPlaneWaitMs === null ? null : Math.round(split.dataPlaneWaitMs),
    podLifecycleMs: Math.round(split.podLifecycleMs),
    operatorMs: Math.round(split.operatorMs),
    byWait,
    resolutionMs: Math.round(split.resolutionMs),
  };
}

/** The bench's write for a step; returns the generation each changed group reached (see settled.ts). */
async function write(
  ctx: ScenarioContext,
  namespace: string,
  shapes: readonly ClusterShape[],
  action: StepAction,
): Promise<Map<string, number>> {
  const minGenerations = new Map<string, number>();
  const kindsByRole = apiKinds();
  if (action.type === 'create') {
    const objects = shapes.flatMap((shape) =>
      clusterManifests(
        ctx.example,
        shape,
        ctx.target.podAnnotations ? { podAnnotations: ctx.target.podAnnotations } : {},
      ),
    );
    await applyManifests(ctx.client, objects, namespace, kindsByRole);
    return minGenerations;
  }
  const groupKinds = kindsByRole.filter((k) => k.role === 'group');
  const kindOf = (component: string) => {
    const found = groupKinds.find((k) => k.component === component);
    if (!found) throw new Error(`no group kind for component ${component}`);
    return found.resource;
  };
  const patches: Array<{ resource: ResourceKind; name: string; patch: unknown }> = [];
  for (const shape of shapes) {
    if (action.type === 'scale') {
      patches.push({
        resource: kindOf(action.component),
        name: `${shape.name}-${action.component}`,
        patch: { spec: { replicas: action.replicas } },
      });
    } else {
      for (const component of ['pd', 'tikv']) {
        patches.push({
          resource: kindOf(component),
          name: `${shape.name}-${component}`,
          patch: { spec: { template: { spec: { version: action.version } } } },
        });
      }
    }
  }
  for (const p of patches) {
    const updated = await ctx.client.mergePatch<KubeObject & GroupLike>(p.resource, p.name, namespace, p.patch);
    minGenerations.set(
      groupKey({ ...updated, kind: updated.kind ?? p.resource.kind }),
      updated.metadata.generation ?? 0,
    );
  }
  return minGenerations;
}

async function steadyState(operator: MeasuredOperator, ctx: ScenarioContext): Promise<SteadyState> {
  const before = await read(operator);
  await Bun.sleep(ctx.steadySeconds * 1000);
  const after = await read(operator);
  const diff = diffCounts(before.counts, after.counts);
  const s = summarize(diff, { excludeResources: ctx.steadyStateExcludes });
  return {
    windowSeconds: ctx.steadySeconds,
    cpuSeconds: round2(after.usage.cpuSeconds - before.usage.cpuSeconds),
    writes: s.writes,
    writesPerMinute: s.writes / (ctx.steadySeconds / 60),
    writesByResource: s.writesByResource,
    reads: s.reads,
    requests: diff,
    excluded: [...ctx.steadyStateExcludes],
  };
}

function safetyOf(target: BenchTarget, namespace: string, shapes: readonly ClusterShape[]): SafetyResult | null {
  const sim = target.simulator;
  if (!sim) return null;
  const counters: Record<string, number> = {};
  const violations: string[] = [];
  let clean = true;
  for (const shape of shapes) {
    const report = sim.cluster(namespace, shape.name)?.model.safety();
    if (!report) continue;
    clean &&= report.clean;
    for (const [key, value] of Object.entries(report.counters) as Array<[keyof SafetyCounters, number]>) {
      counters[key] = (counters[key] ?? 0) + value;
    }
    for (const v of report.violations) violations.push(`${shape.name}: ${v.detail}`);
  }
  return { clean, counters, violations: violations.slice(0, 10) };
}

function dataPlaneOf(target: BenchTarget, namespace: string, shapes: readonly ClusterShape[]): DataPlaneSummary | null {
  const sim = target.simulator;
  if (!sim) return null;
  const out: DataPlaneSummary = { pdMembers: 0, healthyPdMembers: 0, storesUp: 0, regions: 0 };
  for (const shape of shapes) {
    const model = sim.cluster(namespace, shape.name)?.model;
    if (!model) continue;
    const members = model.members();
    out.pdMembers += members.length;
    out.healthyPdMembers += members.filter((m) => m.healthy).length;
    out.storesUp += model.stores().filter((s) => s.state === 'Up' && s.running).length;
    out.regions += model.regions().length;
  }
  return out;
}

async function createNamespace(client: KubeClient, name: string): Promise<void> {
  await client.create(kinds.Namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  // The ServiceAccount admission plugin refuses Pods until the namespace's `default` account exists; the
  // operator would retry with backoff and the bench would measure that backoff.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const found = await client.get(serviceAccountKind, 'default', name).then(
      () => true,
      (error: unknown) => {
        if (isNotFound(error)) return false;
        throw error;
      },
    );
    if (found) return;
    if (Date.now() > deadline) throw new Error(`namespace ${name} has no default ServiceAccount after 30 s`);
    await Bun.sleep(100);
  }
}

/** Deletes the Clusters while the operator still runs (its finalizers clean up), then the namespace. */
async function deleteScenario(
  ctx: ScenarioContext,
  namespace: string,
  shapes: readonly ClusterShape[],
  log: (line: string) => void,
): Promise<void> {
  const clusterKind = apiKinds().find((k) => k.role === 'cluster');
  if (!clusterKind) return;
  log(`cleanup: deleting the clusters and namespace ${namespace}`);
  for (const shape of shapes) {
    await ctx.client.delete(clusterKind.resource, shape.name, namespace).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
  }
  const deadline = Date.now() + 600_000;
  while (Date.now() < deadline) {
    const pods = await ctx.client.list(kinds.Pod, { namespace, labelSelector: 'tikv.org/component' });
    if (pods.items.length === 0) break;
    await Bun.sleep(1000);
  }
  await ctx.client.delete(kinds.Namespace, namespace);
}
