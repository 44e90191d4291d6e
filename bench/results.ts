// The bench's output: one JSON document per run (schema documented in docs/bench.md; bump `benchSchema` on any
// incompatible change) and the Markdown tables rendered from it. Pure, except `writeResults`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiSummary } from './api-counts.ts';
import type { TimeSplit } from './time-split.ts';

export const benchSchema = 'tikv-operator-bench/v1';

export type Profile = 'quick' | 'full';

export interface BenchResult {
  schema: typeof benchSchema;
  profile: Profile;
  startedAt: string;
  finishedAt: string;
  environment: BenchEnvironment;
  scenarios: ScenarioResult[];
}

export interface BenchEnvironment {
  /** `embedded`: local control plane + simulator started by the bench; `kubeconfig`: any cluster, real data plane. */
  mode: 'embedded' | 'kubeconfig';
  /** `child-process`: one operator process per scenario started by the bench; `external`: `--operator-url`. */
  operator: 'child-process' | 'external';
  /** Leader election of the measured operator: off for child processes; unknown for an external one. */
  leaderElection: 'off' | 'unknown';
  /** Resources left out of the steady-state writes (the leader-election Lease of an external operator). */
  steadyStateExcludes: string[];
  operatorVersion: string;
  gitCommit: string | null;
  kubernetesVersion: string | null;
  host: { os: string; arch: string; cpus: number; cpuModel: string; memoryBytes: number; runtime: string };
  /** Simulator knobs (regionCount, tickMs, ...) in embedded mode; null with a real data plane. */
  simulator: Record<string, unknown> | null;
  steadyStateSeconds: number;
}

export interface ScenarioResult {
  name: string;
  description: string;
  status: 'ok' | 'failed';
  error?: string;
  clusters: number;
  /** Instances at the end of the scenario. */
  instances: { pd: number; tikv: number };
  steps: StepResult[];
  steadyState: SteadyState | null;
  operator: OperatorUsage | null;
  /** Safety counters of the simulator for this scenario's clusters; null without a simulator. */
  safety: SafetyResult | null;
  /** What the simulated PDs show at the end, summed over the scenario's clusters; null without a simulator. */
  dataPlane: DataPlaneSummary | null;
  operatorLog: string | null;
}

export interface StepResult {
  name: string;
  /** Setup steps (creating the cluster a scale or upgrade starts from) are recorded but not in the tables. */
  measured: boolean;
  /** From the bench's write (apply or patch) to the cluster settled at the new spec. */
  durationMs: number;
  /** Milestones from the write, ms: all groups of a kind settled, every cluster Ready. */
  phases: Array<{ name: string; atMs: number }>;
  /** Per-cluster time to Ready, for steps over several clusters. */
  clusterReadyMs: { min: number; median: number; max: number } | null;
  split: TimeSplit;
  /** Instances this step created, removed or restarted (rolling upgrade), for the per-instance numbers. */
  instances: { basis: 'created' | 'removed' | 'restarted'; count: number };
  api: ApiSummary;
  writesPerInstance: number | null;
  /** operatorMs / instances.count: the goal is under 1 s per rolling step. */
  operatorMsPerInstance: number | null;
  cpuSeconds: number | null;
}

export interface SteadyState {
  windowSeconds: number;
  /** Operator CPU during the window: the cost of watching and polling PD while nothing changes. */
  cpuSeconds: number;
  writes: number;
  writesPerMinute: number;
  writesByResource: Record<string, number>;
  reads: number;
  /** Every request in the window by verb, resource and status code: what to look at when writes are not zero. */
  requests: Array<{ verb: string; resource: string; code: string; count: number }>;
  /** Resources whose requests were left out (see BenchEnvironment.steadyStateExcludes). */
  excluded: string[];
}

export interface OperatorUsage {
  /** `proc`: /proc/<pid> of the child process (peak = kernel high-water mark); `metrics`: sampled from /metrics. */
  source: 'proc' | 'metrics';
  /** Resident memory once started and synced, before the scenario's first write. */
  baselineRssBytes: number;
  peakRssBytes: number;
  endRssBytes: number;
  /** CPU from the first write to the end of the steady-state window. */
  cpuSeconds: number;
  /** CPU spent starting and syncing caches (child process only). */
  startupCpuSeconds: number | null;
}

export interface DataPlaneSummary {
  pdMembers: number;
  healthyPdMembers: number;
  /** Stores Up and running (Tombstone and Offline stores not counted). */
  storesUp: number;
  regions: number;
}

export interface SafetyResult {
  clean: boolean;
  counters: Record<string, number>;
  /** Up to 10 violations, as the simulator words them. */
  violations: string[];
}

/** `2026-11-21T01-30-05Z` (a file-name-safe ISO time), with `-quick` for the quick profile. */
export function resultFileStem(date: Date, profile: Profile): string {
  const stamp = date
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/:/g, '-');
  return profile === 'full' ? stamp : `${stamp}-${profile}`;
}

export interface WrittenResults {
  json: string;
  markdown: string;
  latest: string;
}

/** `<dir>/<stem>.json`, `<dir>/<stem>.md` and `<dir>/latest.json` (what the operator's /bench serves). */
export function writeResults(dir: string, result: BenchResult): WrittenResults {
  mkdirSync(dir, { recursive: true });
  const stem = resultFileStem(new Date(result.startedAt), result.profile);
  const text = `${JSON.stringify(result, null, 2)}\n`;
  const paths = {
    json: join(dir, `${stem}.json`),
    markdown: join(dir, `${stem}.md`),
    latest: join(dir, 'latest.json'),
  };
  writeFileSync(paths.json, text);
  writeFileSync(paths.markdown, renderMarkdown(result));
  writeFileSync(paths.latest, text);
  return paths;
}

const seconds = (ms: number | null | undefined) => (ms === null || ms === undefined ? 'n/a' : (ms / 1000).toFixed(1));
const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
const fixed = (n: number | null | undefined, digits: number) =>
  n === null || n === undefined ? 'n/a' : n.toFixed(digits);

function table(header: string[], rows: string[][]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
}

function safetyCell(s: SafetyResult | null): string {
  if (!s) return 'n/a';
  if (s.clean) return 'clean';
  return Object.entries(s.counters)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k}=${n}`)
    .join(', ');
}

/** Two tables: one row per measured step, one row per scenario; then failures. */
export function renderMarkdown(result: BenchResult): string {
  const env = result.environment;
  const lines = [
    `# Bench ${result.profile} run, ${result.startedAt}`,
    '',
    `${env.mode === 'embedded' ? 'Embedded control plane + simulator' : 'kubeconfig'}; operator ${env.operator === 'child-process' ? 'in its own process (leader election off)' : 'external'}; ` +
      `${env.operatorVersion}${env.gitCommit ? ` (${env.gitCommit.slice(0, 12)})` : ''}; Kubernetes ${env.kubernetesVersion ?? 'unknown'}; ` +
      `${env.host.cpus} × ${env.host.cpuModel}, ${mib(env.host.memoryBytes)} MiB, ${env.host.runtime}.`,
    '',
  ];
  const steps = result.scenarios.flatMap((s) => s.steps.filter((st) => st.measured).map((st) => ({ s, st })));
  lines.push(
    ...table(
      [
        'scenario / step',
        'instances',
        'to Ready (s)',
        'data plane / pods / operator (s)',
        'operator per instance (s)',
        'API reads / writes / watches',
        'writes per instance',
        'operator CPU (s)',
      ],
      steps.map(({ s, st }) => [
        `${s.name} / ${st.name}`,
        `${st.instances.count} ${st.instances.basis}`,
        seconds(st.durationMs),
        `${seconds(st.split.dataPlaneWaitMs)} / ${seconds(st.split.podLifecycleMs)} / ${seconds(st.split.operatorMs)}`,
        st.operatorMsPerInstance === null ? 'n/a' : (st.operatorMsPerInstance / 1000).toFixed(2),
        `${st.api.reads} / ${st.api.writes} / ${st.api.watches}`,
        fixed(st.writesPerInstance, 1),
        fixed(st.cpuSeconds, 2),
      ]),
    ),
    '',
  );
  lines.push(
    ...table(
      [
        'scenario',
        'clusters',
        'PD + TiKV',
        'steady writes/min',
        'steady CPU (s)',
        'RSS baseline / peak (MiB)',
        'CPU (s)',
        'safety',
      ],
      result.scenarios.map((s) => [
        s.name,
        String(s.clusters),
        `${s.instances.pd} + ${s.instances.tikv}`,
        s.steadyState ? `${fixed(s.steadyState.writesPerMinute, 1)} (${s.steadyState.windowSeconds} s)` : 'n/a',
        s.steadyState ? fixed(s.steadyState.cpuSeconds, 2) : 'n/a',
        s.operator ? `${mib(s.operator.baselineRssBytes)} / ${mib(s.operator.peakRssBytes)}` : 'n/a',
        s.operator ? fixed(s.operator.cpuSeconds, 2) : 'n/a',
        s.status === 'ok' ? safetyCell(s.safety) : `FAILED; ${safetyCell(s.safety)}`,
      ]),
    ),
  );
  const failed = result.scenarios.filter((s) => s.status === 'failed');
  if (failed.length > 0) {
    lines.push('', ...failed.map((s) => `- **${s.name} failed:** ${s.error ?? 'unknown error'}`));
  }
  return `${lines.join('\n')}\n`;
}
