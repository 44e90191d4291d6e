// The compiled binary, built the way the Dockerfile's builder stage builds it (a directory holding only what the
// stage copies from the context after .dockerignore, then the stage's own RUN commands), against a real control plane.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type Subprocess, spawn } from 'bun';
import { operatorVersion } from '../cmd/version.ts';
import { waitFor } from '../core/testing/api.ts';
import { freePorts } from '../core/testing/control-plane.ts';
import { useControlPlane } from '../core/testing/fixtures.ts';
import { OUTFILE, repoRoot } from './build-binary.ts';
import { copyOperands, parseStages, stageContext } from './dockerfile.ts';

const fixture = useControlPlane({ nodes: 1 });
let dir: string;
let binary: { path: string; bytes: number };
const running: Subprocess[] = [];

/** Runs the builder stage in `workspace` and returns the path of the file the runtime stage copies out of it. */
async function buildLikeTheDockerfile(workspace: string): Promise<string> {
  const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
  const { workdir, runs } = stageContext(repoRoot, dockerfile, 'builder', workspace);
  const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` };
  for (const command of runs) {
    const child = spawn(['sh', '-c', command], { cwd: workspace, env, stdout: 'pipe', stderr: 'pipe' });
    const [out, err, code] = await Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
      child.exited,
    ]);
    if (code !== 0) throw new Error(`RUN ${command} failed (${code}):\n${out}${err}`);
  }
  const copied = parseStages(dockerfile)
    .flatMap((s) => s.instructions)
    .find((i) => i.keyword === 'COPY' && i.flags.includes('--from=builder'));
  const source = copied ? copyOperands(copied).sources[0] : undefined;
  if (!source?.startsWith(`${workdir}/`))
    throw new Error(`the runtime stage copies ${source}, not a file of ${workdir}`);
  return join(workspace, source.slice(workdir.length + 1));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tikv-operator-binary-'));
  const path = await buildLikeTheDockerfile(join(dir, 'src'));
  binary = { path, bytes: (await stat(path)).size };
}, 180_000);

afterAll(async () => {
  for (const child of running) child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

async function exec(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  // Run from an unrelated directory with no HOME: the binary must not need the repository or a home.
  const child = spawn([binary.path, ...args], {
    cwd: dir,
    stdout: 'pipe',
    stderr: 'pipe',
    env: { PATH: '/usr/bin:/bin' },
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { code, stdout, stderr };
}

describe('the compiled binary', () => {
  test('is the file `bun run build` writes, where the runtime stage copies it from', () => {
    expect(binary.path).toBe(join(dir, 'src', OUTFILE));
  });

  test('is a single self-contained executable of plausible size', () => {
    // The Bun runtime alone is ~105 MB; an empty or half-written file would be far smaller.
    expect(binary.bytes).toBeGreaterThan(100_000_000);
  });

  test('prints its version', async () => {
    expect(await exec(['version'])).toEqual({ code: 0, stdout: `tikv-operator ${operatorVersion}\n`, stderr: '' });
  });

  test('prints exactly the committed CRDs', async () => {
    const crdDir = join(repoRoot, 'crds');
    const committed = readdirSync(crdDir)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => readFileSync(join(crdDir, f), 'utf8'))
      .join('---\n');
    const { code, stdout } = await exec(['crds', 'print']);
    expect(code).toBe(0);
    // Longer than a pipe buffer: a truncated stream would show here.
    expect(stdout.length).toBeGreaterThan(65_536);
    expect(stdout).toBe(committed);
  });

  test('shows help for itself and its commands', async () => {
    const top = await exec(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('Usage: tikv-operator <command>');
    const run = await exec(['run', '--help']);
    expect(run.stdout).toContain('--leader-elect');
    const crds = await exec(['crds', 'install', '--help']);
    expect(crds.stdout).toContain('--force');
  });

  test('a bad flag exits 2 with one line', async () => {
    expect(await exec(['run', '--no-such-flag'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'tikv-operator: unknown flag --no-such-flag; see --help\n',
    });
  });

  test(
    'runs against the control plane until /readyz answers, serves metrics, and exits 0 on SIGTERM',
    async () => {
      const [port] = await freePorts(1);
      const child = spawn(
        [
          binary.path,
          'run',
          `--kubeconfig=${fixture.cp.kubeconfigPath}`,
          '--leader-elect=false',
          `--http-address=127.0.0.1:${port}`,
        ],
        { cwd: dir, stdout: 'pipe', stderr: 'pipe', env: { PATH: '/usr/bin:/bin' } },
      );
      running.push(child);
      const logs = new Response(child.stderr).text();
      const base = `http://127.0.0.1:${port}`;
      await waitFor(
        async () => {
          const res = await fetch(`${base}/readyz`).catch(() => undefined);
          await res?.text();
          return res?.status === 200;
        },
        {
          timeoutMs: 60_000,
          what: '/readyz of the compiled binary',
          check: () => {
            if (child.exitCode !== null) throw new Error(`the binary exited with ${child.exitCode}`);
          },
        },
      );
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toContain('# TYPE tikv_operator_api_requests_total counter');
      expect(metrics).toContain('process_resident_memory_bytes');

      child.kill('SIGTERM');
      expect(await child.exited).toBe(0);
      expect(await logs).toContain('"msg":"operator stopped"');
    },
    { timeout: 90_000 },
  );
});
