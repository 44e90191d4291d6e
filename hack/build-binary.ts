// Builds the single operator binary: `bun run build` -> dist/tikv-operator. The Dockerfile runs this same script, so
// the image holds exactly what the binary test (hack/build-binary.integration.test.ts) exercised.
//
//   bun run build              build and print the size
//   bun run build --measure    also start the binary 10 times and print the time until /healthz answers
//
// Flags: --minify and --bytecode (precompiled JavaScriptCore bytecode) cut the start time roughly in half at
// +4 MB; --keep-names keeps function and class names for readable stack traces in logs at no measurable cost.
// tsyringe is used with factory registrations only, so minified names do not affect dependency injection.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const repoRoot = join(dirname(new URL(import.meta.url).pathname), '..');
export const ENTRY = 'cmd/tikv-operator.ts';
/** Relative to the repository root; the Dockerfile copies it from here. */
export const OUTFILE = 'dist/tikv-operator';
export const BUILD_FLAGS = ['--compile', '--minify', '--bytecode', '--keep-names'] as const;

/** The `bun` arguments of the build. */
export function buildArgs(outfile: string = OUTFILE): string[] {
  return ['build', ENTRY, ...BUILD_FLAGS, `--outfile=${outfile}`];
}

export interface BuiltBinary {
  path: string;
  bytes: number;
}

/** Runs the build with the Bun that runs this script; `outfile` is relative to the repository root or absolute. */
export async function buildBinary(outfile: string = OUTFILE): Promise<BuiltBinary> {
  const bun = process.execPath;
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(bun, buildArgs(outfile), { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (chunk) => {
      text += chunk;
    });
    child.stderr.on('data', (chunk) => {
      text += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(text) : reject(new Error(`bun build failed (${code}):\n${text}`)),
    );
  });
  const path = outfile.startsWith('/') ? outfile : join(repoRoot, outfile);
  const { size } = await stat(path).catch(() => {
    throw new Error(`bun build reported success but wrote no ${path}:\n${output}`);
  });
  return { path, bytes: size };
}

/** Milliseconds from spawn until /healthz answers 200, for each of `runs` starts (sorted). */
export async function measureStart(binary: string, runs = 10): Promise<number[]> {
  const dir = await mkdtemp(join(tmpdir(), 'tikv-operator-measure-'));
  // No controllers talk to the apiserver without CRD watches, and leader election is off: the measurement needs
  // no cluster, only a kubeconfig that parses.
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{name: none, cluster: {server: "https://127.0.0.1:1"}}]',
      'users: [{name: none, user: {token: none}}]',
      'contexts: [{name: none, context: {cluster: none, user: none}}]',
      'current-context: none',
    ].join('\n'),
  );
  const times: number[] = [];
  try {
    for (let i = 0; i < runs; i++) times.push(await timeToHealthz(binary, kubeconfig));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return times.sort((a, b) => a - b);
}

async function timeToHealthz(binary: string, kubeconfig: string): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(
    binary,
    [
      'run',
      `--kubeconfig=${kubeconfig}`,
      '--leader-elect=false',
      `--http-address=127.0.0.1:${port}`,
      '--log-level=error',
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  try {
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (res) => res.ok,
        () => false,
      );
      if (ok) return performance.now() - started;
      if (child.exitCode !== null) throw new Error(`${binary} exited with ${child.exitCode} before /healthz answered`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

// Kept here rather than imported from core/testing: the Dockerfile copies only what the build needs.
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function main(): Promise<void> {
  const built = await buildBinary();
  console.log(`${OUTFILE}: ${(built.bytes / 1e6).toFixed(1)} MB (${built.bytes} bytes), bun ${BUILD_FLAGS.join(' ')}`);
  if (process.argv.includes('--measure')) {
    const times = await measureStart(built.path);
    const median = times[Math.floor(times.length / 2)] ?? Number.NaN;
    console.log(
      `start to /healthz over ${times.length} runs: median ${median.toFixed(0)} ms, ` +
        `min ${times[0]?.toFixed(0)} ms, max ${times.at(-1)?.toFixed(0)} ms`,
    );
  }
}

if (import.meta.main) await main();
