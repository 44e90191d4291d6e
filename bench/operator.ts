// The operator under measurement, behind one small interface whether the bench started it or found it running:
// its apiserver request counters (from its /metrics) and its memory and CPU.
//
// - `startChildOperator`: `bun cmd/tikv-operator.ts run` in its own process (leader election off, scoped to the
//   scenario's namespace), so its memory and CPU are its own and not the simulator's or the control plane's.
//   Usage comes from /proc/<pid>; with the simulator, PD is reached through `--dev-address-feed`.
// - `connectExternalOperator`: an operator someone else runs (`--operator-url`, for example a Deployment behind
//   `kubectl port-forward`). Usage comes from its process_* metrics, sampled, so its peak is a sampled peak.
import { join } from 'node:path';
import type { ApiRequestCount } from '../core/observability/metrics.ts';
import { freePorts } from '../core/testing/control-plane.ts';
import { ProcessSupervisor } from '../core/testing/processes.ts';
import { apiCountsFromMetrics } from './api-counts.ts';
import { type ProcessUsage, readProcessUsage } from './proc-stats.ts';
import { parsePrometheusText, sampleValue } from './prometheus.ts';

export interface MeasuredOperator {
  readonly kind: 'child-process' | 'external';
  /** Base URL of its HTTP endpoint (no trailing slash). */
  readonly url: string;
  readonly logPath: string | null;
  apiCounts(): Promise<ApiRequestCount[]>;
  /** Memory now, peak since start or `resetPeak` (see `kind`), CPU so far. */
  usage(): Promise<ProcessUsage>;
  /** Starts a new peak (an external operator serves several scenarios; a child process serves one). */
  resetPeak(): Promise<void>;
  stop(): Promise<void>;
}

const repoRoot = join(import.meta.dir, '..');

async function fetchText(url: string): Promise<string> {
  const response = await fetch(url);
  const text = await response.text();
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${text.slice(0, 200)}`);
  return text;
}

export interface ChildOperatorOptions {
  kubeconfig: string;
  /** Manage only this namespace (the scenario's). */
  namespace?: string;
  /** The simulator's address feed (embedded mode). */
  addressFeed?: string;
  /** Served at the child's /bench. */
  benchResults: string;
  /** Directory for the process's log and pid files. */
  dir: string;
  name: string;
  readyTimeoutMs?: number;
}

export async function startChildOperator(opts: ChildOperatorOptions): Promise<MeasuredOperator> {
  const [port] = await freePorts(1);
  const url = `http://127.0.0.1:${port}`;
  const supervisor = new ProcessSupervisor(opts.dir);
  const args = [
    process.execPath,
    join(repoRoot, 'cmd/tikv-operator.ts'),
    'run',
    `--kubeconfig=${opts.kubeconfig}`,
    '--leader-elect=false',
    `--http-address=127.0.0.1:${port}`,
    `--bench-results=${opts.benchResults}`,
    '--log-format=json',
    ...(opts.namespace ? [`--namespace=${opts.namespace}`] : []),
    ...(opts.addressFeed ? [`--dev-address-feed=${opts.addressFeed}`] : []),
  ];
  const proc = supervisor.start(opts.name, args);
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  try {
    for (;;) {
      supervisor.assertAllRunning();
      const ready = await fetch(`${url}/readyz`)
        .then(async (r) => {
          await r.text();
          return r.ok;
        })
        .catch(() => false);
      if (ready) break;
      if (Date.now() > deadline) {
        throw new Error(
          `operator not ready at ${url}/readyz; last lines of ${proc.logPath}:\n${supervisor.tail(opts.name)}`,
        );
      }
      await Bun.sleep(100);
    }
  } catch (error) {
    await supervisor.stop();
    throw error;
  }
  return {
    kind: 'child-process',
    url,
    logPath: proc.logPath,
    apiCounts: async () => apiCountsFromMetrics(await fetchText(`${url}/metrics`)),
    usage: async () => readProcessUsage(proc.pid),
    resetPeak: async () => undefined,
    // SIGTERM: the operator drains its controllers and exits; SIGKILL after 10 s.
    stop: () => supervisor.stop(10_000),
  };
}

/** Samples an external operator's process metrics every `intervalMs` to keep a peak of its resident memory. */
export async function connectExternalOperator(baseUrl: string, intervalMs = 1_000): Promise<MeasuredOperator> {
  const url = baseUrl.replace(/\/+$/, '');
  const read = async (): Promise<{ counts: ApiRequestCount[]; rssBytes: number; cpuSeconds: number }> => {
    const text = await fetchText(`${url}/metrics`);
    const samples = parsePrometheusText(text);
    const rssBytes = sampleValue(samples, 'process_resident_memory_bytes');
    const cpuSeconds = sampleValue(samples, 'process_cpu_seconds_total');
    if (rssBytes === undefined || cpuSeconds === undefined) {
      throw new Error(`${url}/metrics has no process_resident_memory_bytes / process_cpu_seconds_total`);
    }
    return { counts: apiCountsFromMetrics(text), rssBytes, cpuSeconds };
  };
  const first = await read();
  let peak = first.rssBytes;
  const timer = setInterval(() => {
    read().then(
      (r) => {
        peak = Math.max(peak, r.rssBytes);
      },
      () => undefined,
    );
  }, intervalMs);
  return {
    kind: 'external',
    url,
    logPath: null,
    apiCounts: async () => (await read()).counts,
    usage: async () => {
      const r = await read();
      peak = Math.max(peak, r.rssBytes);
      return { rssBytes: r.rssBytes, peakRssBytes: peak, cpuSeconds: r.cpuSeconds };
    },
    resetPeak: async () => {
      peak = (await read()).rssBytes;
    },
    stop: async () => clearInterval(timer),
  };
}
