// Builds (once, cached) and runs BuildKit's Dockerfile checks: `bun run hack/dockerfile-lint/lint.ts [Dockerfile]`.
// Needs Go for the first build (~3 min on 2 cores), like the local control plane; later runs take milliseconds.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

const here = dirname(new URL(import.meta.url).pathname);

function buildkitVersion(): string {
  const match = /github\.com\/moby\/buildkit (v[0-9.]+)/.exec(readFileSync(join(here, 'go.mod'), 'utf8'));
  if (!match?.[1]) throw new Error('hack/dockerfile-lint/go.mod does not require github.com/moby/buildkit');
  return match[1];
}

/** Where the linter binary is cached, next to the control-plane binaries. */
export function linterPath(env: Record<string, string | undefined> = process.env): string {
  const cache = env.TIKV_OPERATOR_CACHE ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'tikv-operator');
  return join(cache, 'dockerfile-lint', `buildkit-${buildkitVersion()}`, 'dockerfile-lint');
}

/** The linter binary, built with the Go toolchain on PATH unless cached. */
export function ensureLinter(): string {
  const path = linterPath();
  if (existsSync(path)) return path;
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  const built = spawnSync('go', ['build', '-o', tmp, '.'], { cwd: here, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`go build of hack/dockerfile-lint failed:\n${built.stderr}`);
  // Rename is atomic: a concurrent build either finds the finished binary or builds its own copy.
  spawnSync('mv', ['-f', tmp, path]);
  return path;
}

export interface LintResult {
  code: number;
  /** One line per finding: `<file>:<line> <Rule>: <detail>`. */
  output: string;
}

export function lintDockerfile(dockerfile: string): LintResult {
  const result = spawnSync(ensureLinter(), [dockerfile], { encoding: 'utf8' });
  return { code: result.status ?? 1, output: `${result.stdout}${result.stderr}` };
}

if (import.meta.main) {
  const target = process.argv[2] ?? join(here, '../../Dockerfile');
  const { code, output } = lintDockerfile(target);
  process.stdout.write(output);
  process.exit(code);
}
