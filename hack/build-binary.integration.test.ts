// The compiled binary, built exactly as `bun run build` and the Dockerfile build it, against a real control plane.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Subprocess, spawn } from 'bun';
import { operatorVersion } from '../cmd/version.ts';
import { waitFor } from '../core/testing/api.ts';
import { freePorts } from '../core/testing/control-plane.ts';
import { useControlPlane } from '../core/testing/fixtures.ts';
import { type BuiltBinary, buildBinary, repoRoot } from './build-binary.ts';

const fixture = useControlPlane({ nodes: 1 });
let dir: string;
let binary: BuiltBinary;
const running: Subprocess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tikv-operator-binary-'));
  binary = await buildBinary(join(dir, 'tikv-operator'));
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
