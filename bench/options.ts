// Flags of `bun run bench`, parsed as a pure function so that every mistake is one clear line before anything
// starts.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Profile } from './results.ts';
import { findScenarios, quickScenarios, scenarios } from './scenarios.ts';

export interface BenchOptions {
  profile: Profile;
  scenarios: string[];
  /** Any cluster; without it the bench starts the embedded control plane and the simulator. */
  kubeconfig?: string;
  /** An operator that already runs (only with --kubeconfig); otherwise the bench starts one per scenario. */
  operatorUrl?: string;
  outDir: string;
  steadySeconds: number;
  stepTimeoutSeconds: number;
  /** --kubeconfig: leave the scenario namespaces in place. */
  keep: boolean;
}

export const benchUsage = `Usage: bun run bench [flags]

Runs the bench scenarios and writes bench/results/<date>.json, a Markdown table next to it, and latest.json
(served by the operator's /bench). See docs/bench.md.

Flags:
  --profile quick|full      quick: one small scenario with a tiny simulator, seconds (run by the tests);
                            full: every scenario (default)
  --scenario <name>         run only this scenario (repeat or comma-separate); --list shows them
  --kubeconfig <path>       run against this cluster (no embedded control plane, no simulator)
  --operator-url <url>      measure the operator already running there (its /metrics), for example a
                            Deployment behind kubectl port-forward; needs --kubeconfig
  --out <dir>               where results go (default: bench/results)
  --steady-seconds <n>      how long to watch for writes after Ready (default: quick 3, full 60)
  --timeout <seconds>       limit per step (default: 300 embedded, 1800 with --kubeconfig)
  --keep                    with --kubeconfig: keep the scenario namespaces instead of deleting them
  --list                    list the scenarios and exit
  -h, --help                show this help
`;

export class BenchUsageError extends Error {
  override name = 'BenchUsageError';
}

const positive = (flag: string, value: string | undefined, fallback: number): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new BenchUsageError(`${flag} must be a positive number, got "${value}"`);
  return n;
};

export function parseBenchOptions(argv: string[], repoRoot: string): BenchOptions | 'help' | 'list' {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new BenchUsageError((error as Error).message);
  }
  const v = parsed.values;
  if (v.help) return 'help';
  if (v.list) return 'list';
  if (parsed.positionals.length > 0) throw new BenchUsageError(`unexpected argument: ${parsed.positionals[0]}`);
  const profile = v.profile ?? 'full';
  if (profile !== 'quick' && profile !== 'full') {
    throw new BenchUsageError(`--profile must be quick or full, got "${profile}"`);
  }
  if (v['operator-url'] !== undefined && v.kubeconfig === undefined) {
    throw new BenchUsageError('--operator-url needs --kubeconfig: it names an operator running in that cluster');
  }
  if (v.keep && v.kubeconfig === undefined) {
    throw new BenchUsageError('--keep applies to --kubeconfig runs (the embedded control plane is thrown away)');
  }
  const picked = (v.scenario ?? []).flatMap((s) => s.split(',')).filter((s) => s !== '');
  const names = picked.length > 0 ? picked : profile === 'quick' ? [...quickScenarios] : scenarios.map((s) => s.name);
  try {
    findScenarios(names);
  } catch (error) {
    throw new BenchUsageError((error as Error).message);
  }
  return {
    profile,
    scenarios: [...new Set(names)],
    ...(v.kubeconfig === undefined ? {} : { kubeconfig: v.kubeconfig }),
    ...(v['operator-url'] === undefined ? {} : { operatorUrl: v['operator-url'] }),
    outDir: v.out ?? join(repoRoot, 'bench/results'),
    steadySeconds: positive('--steady-seconds', v['steady-seconds'], profile === 'quick' ? 3 : 60),
    stepTimeoutSeconds: positive('--timeout', v.timeout, v.kubeconfig === undefined ? 300 : 1800),
    keep: v.keep ?? false,
  };
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      profile: { type: 'string' },
      scenario: { type: 'string', multiple: true },
      kubeconfig: { type: 'string' },
      'operator-url': { type: 'string' },
      out: { type: 'string' },
      'steady-seconds': { type: 'string' },
      timeout: { type: 'string' },
      keep: { type: 'boolean' },
      list: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
