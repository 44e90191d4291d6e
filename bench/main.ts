// `bun run bench`: runs the scenarios of DESIGN.md section 6 against the embedded control plane with the PD/TiKV
// simulator (default) or any cluster (`--kubeconfig`), measuring the operator in its own process, and writes
// bench/results/<date>.json, a Markdown table next to it and latest.json (served by the operator's /bench).
// docs/bench.md explains every number.
import { execFileSync } from 'node:child_process';
import { arch, cpus, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { loadManifests } from '../cmd/dev/manifests.ts';
import { operatorVersion } from '../cmd/version.ts';
import { RestKubeClient } from '../core/kube/rest-client.ts';
import type { SimulationKnobs } from '../plugins/pd/simulator/model/knobs.ts';
import { connectExternalOperator, type MeasuredOperator, startChildOperator } from './operator.ts';
import { type BenchOptions, BenchUsageError, benchUsage, parseBenchOptions } from './options.ts';
import { type BenchResult, benchSchema, renderMarkdown, type WrittenResults, writeResults } from './results.ts';
import { runScenario } from './runner.ts';
import { findScenarios, scenarios } from './scenarios.ts';
import { type BenchTarget, kubeconfigTarget, startEmbeddedTarget } from './target.ts';

const repoRoot = join(import.meta.dir, '..');

/** Simulator knobs per profile: the quick profile keeps the data set tiny; the full one uses the defaults. */
export const profileKnobs: Record<BenchOptions['profile'], Partial<SimulationKnobs>> = {
  quick: { regionCount: 8 },
  full: {},
};

export interface BenchRun {
  result: BenchResult;
  paths: WrittenResults;
}

export async function runBench(opts: BenchOptions, log: (line: string) => void = () => {}): Promise<BenchRun> {
  const startedAt = new Date();
  const target: BenchTarget = opts.kubeconfig
    ? await kubeconfigTarget(opts.kubeconfig)
    : await startEmbeddedTarget({ knobs: profileKnobs[opts.profile], log });
  const client = RestKubeClient.fromKubeconfigFile(target.kubeconfigPath);
  const external: MeasuredOperator | undefined = opts.operatorUrl
    ? await connectExternalOperator(opts.operatorUrl)
    : undefined;
  const latest = join(opts.outDir, 'latest.json');
  const steadyStateExcludes = external ? ['Lease'] : [];
  try {
    const example = loadManifests(join(repoRoot, 'examples/basic'));
    const results = [];
    for (const def of findScenarios(opts.scenarios)) {
      results.push(
        await runScenario(def, {
          target,
          client,
          example,
          operatorFor: (namespace, scenario) =>
            external
              ? Promise.resolve({ ...external, stop: async () => undefined })
              : startChildOperator({
                  kubeconfig: target.kubeconfigPath,
                  namespace,
                  ...(target.addressFeedUrl ? { addressFeed: target.addressFeedUrl } : {}),
                  benchResults: latest,
                  dir: join(target.workDir, scenario),
                  name: 'operator',
                }),
          steadySeconds: opts.steadySeconds,
          stepTimeoutMs: opts.stepTimeoutSeconds * 1000,
          steadyStateExcludes,
          cleanup: target.mode === 'kubeconfig' && !opts.keep,
          log,
        }),
      );
    }
    const result: BenchResult = {
      schema: benchSchema,
      profile: opts.profile,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      environment: {
        mode: target.mode,
        operator: external ? 'external' : 'child-process',
        leaderElection: external ? 'unknown' : 'off',
        steadyStateExcludes,
        operatorVersion,
        gitCommit: gitCommit(),
        kubernetesVersion: target.kubernetesVersion,
        host: {
          os: `${platform()} ${release()}`,
          arch: arch(),
          cpus: cpus().length,
          cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
          memoryBytes: totalmem(),
          runtime: `bun ${Bun.version}`,
        },
        simulator: target.simulatorKnobs,
        steadyStateSeconds: opts.steadySeconds,
      },
      scenarios: results,
    };
    return { result, paths: writeResults(opts.outDir, result) };
  } finally {
    client.close();
    await external?.stop();
    await target.stop();
  }
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

/** Every scenario ran and the simulator saw no safety violation. */
export function benchPassed(result: BenchResult): boolean {
  return result.scenarios.every((s) => s.status === 'ok' && (s.safety?.clean ?? true));
}

async function main(argv: string[]): Promise<number> {
  const opts = parseBenchOptions(argv, repoRoot);
  if (opts === 'help') {
    process.stdout.write(benchUsage);
    return 0;
  }
  if (opts === 'list') {
    for (const s of scenarios) process.stdout.write(`${s.name.padEnd(20)} ${s.description}\n`);
    return 0;
  }
  const say = (line: string) => process.stdout.write(`${line}\n`);
  // Ctrl-C needs no handler here: the control plane's and the operator's process supervisors stop their
  // children on SIGINT/SIGTERM and on exit (core/testing/processes.ts).
  const { result, paths } = await runBench(opts, say);
  say('');
  say(renderMarkdown(result));
  say(`results: ${paths.json}`);
  say(`table:   ${paths.markdown}`);
  say(`latest:  ${paths.latest} (served at the operator's /bench)`);
  return benchPassed(result) ? 0 : 1;
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`bench: ${message.split('\n')[0]}\n`);
      process.exit(error instanceof BenchUsageError ? 2 : 1);
    },
  );
}
