// Lint rules for the Dockerfile (no Docker engine here): pinned bases, non-root numeric USER, no remote ADD, JSON
// exec form, the binary copied from where `bun run build` writes it, and a build context without tests or caches.
import { describe, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRunOptions, type RunOptions } from '../cmd/operator/options.ts';
import packageJson from '../package.json' with { type: 'json' };
import { OUTFILE, repoRoot } from './build-binary.ts';
import {
  contextFiles,
  copyOperands,
  dockerignoreMatcher,
  type Instruction,
  parseInstructions,
  parseStages,
} from './dockerfile.ts';
import { lintDockerfile, linterPath } from './dockerfile-lint/lint.ts';

const text = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
const stages = parseStages(text);
const [builder, runtime] = stages;
const all = stages.flatMap((s) => s.instructions);

function only(instructions: Instruction[], keyword: string): Instruction {
  const found = instructions.filter((i) => i.keyword === keyword);
  expect(found).toHaveLength(1);
  return found[0] as Instruction;
}

describe('Dockerfile', () => {
  test('has a builder stage and a runtime stage', () => {
    expect(stages.map((s) => s.name ?? '')).toEqual(['builder', '']);
  });

  test('every base image is pinned to an explicit tag, never latest', () => {
    for (const stage of stages) {
      expect(stage.image).toMatch(/^[a-z0-9.\-/]+:[A-Za-z0-9._-]+(@sha256:[0-9a-f]{64})?$/);
      expect(stage.image).not.toMatch(/:latest(@|$)/);
    }
  });

  test('builds with the Bun version the project runs on', () => {
    expect(builder?.image).toBe(`oven/bun:${Bun.version}`);
  });

  test('the builder installs from the lockfile and runs the build script', () => {
    const runs = (builder?.instructions ?? []).filter((i) => i.keyword === 'RUN').map((i) => i.args);
    expect(runs[0]).toStartWith('bun install --frozen-lockfile');
    expect(runs).toContain('bun run build');
    expect(packageJson.scripts.build).toBe('bun run hack/build-binary.ts');
  });

  test('the runtime stage copies only the binary, from where the build script writes it', () => {
    const workdir = only(builder?.instructions ?? [], 'WORKDIR').args;
    const copies = (runtime?.instructions ?? []).filter((i) => i.keyword === 'COPY');
    expect(copies.map((c) => ({ flags: c.flags, ...copyOperands(c) }))).toEqual([
      { flags: ['--from=builder'], sources: [`${workdir}/${OUTFILE}`], dest: '/tikv-operator' },
    ]);
  });

  test('runs as a numeric non-root user', () => {
    const user = only(runtime?.instructions ?? [], 'USER').args;
    expect(user).toMatch(/^\d+(:\d+)?$/);
    for (const id of user.split(':')) expect(Number(id)).toBeGreaterThan(0);
    expect(runtime?.image).toEndWith(':nonroot');
  });

  test('starts the binary in exec form, `run` by default, exposing the default HTTP port', () => {
    const runtimeInstructions = runtime?.instructions ?? [];
    expect(JSON.parse(only(runtimeInstructions, 'ENTRYPOINT').args)).toEqual(['/tikv-operator']);
    expect(JSON.parse(only(runtimeInstructions, 'CMD').args)).toEqual(['run']);
    const defaults = parseRunOptions([]) as RunOptions;
    expect(only(runtimeInstructions, 'EXPOSE').args).toBe(String(defaults.httpPort));
  });

  test('has no ADD (no remote downloads, no implicit unpacking) and an absolute WORKDIR', () => {
    expect(all.filter((i) => i.keyword === 'ADD')).toEqual([]);
    for (const w of all.filter((i) => i.keyword === 'WORKDIR')) expect(w.args).toStartWith('/');
  });

  test('writes every keyword in upper case', () => {
    const keywords = text
      .split('\n')
      .filter((l) => /^[A-Za-z]+\s/.test(l))
      .map((l) => l.split(/\s/)[0] as string);
    expect(keywords.filter((k) => k !== k.toUpperCase())).toEqual([]);
  });

  test('carries OCI labels, with the package version', () => {
    const labels = Object.fromEntries(
      [...only(runtime?.instructions ?? [], 'LABEL').args.matchAll(/([a-z.]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    expect(labels).toMatchObject({
      'org.opencontainers.image.title': 'tikv-operator',
      'org.opencontainers.image.licenses': packageJson.license,
      'org.opencontainers.image.version': packageJson.version,
    });
    expect(labels['org.opencontainers.image.description']).toBeTruthy();
  });
});

describe('build context', () => {
  const files = contextFiles(repoRoot);

  test('holds the sources and lockfile, but no tests, test harness, dependencies or build output', () => {
    expect(files).toContain('bun.lock');
    expect(files).toContain('cmd/tikv-operator.ts');
    expect(files).toContain('hack/build-binary.ts');
    expect(files.filter((f) => f.endsWith('.test.ts'))).toEqual([]);
    expect(files.filter((f) => /^(node_modules|dist|docs|bench|core\/testing)\//.test(f))).toEqual([]);
  });
});

describe('Dockerfile parsing', () => {
  test('joins continuation lines, skips comments and directives, and splits flags', () => {
    const parsed = parseInstructions(
      '# syntax=docker/dockerfile:1\nFROM a:1 AS b\nRUN one \\\n  # comment\n  two\ncopy --from=b --chmod=755 /x /y\n',
    );
    expect(parsed.map(({ keyword, flags, args }) => ({ keyword, flags, args }))).toEqual([
      { keyword: 'FROM', flags: [], args: 'a:1 AS b' },
      { keyword: 'RUN', flags: [], args: 'one two' },
      { keyword: 'COPY', flags: ['--from=b', '--chmod=755'], args: '/x /y' },
    ]);
  });

  test('.dockerignore: directories match their contents, ! re-includes, the last match wins', () => {
    const ignored = dockerignoreMatcher('*\n!cmd\n!core\ncore/testing\n**/*.test.ts\n!core/keep.test.ts\n');
    expect(ignored('README.md')).toBe(true);
    expect(ignored('cmd/tikv-operator.ts')).toBe(false);
    expect(ignored('cmd/tikv-operator.test.ts')).toBe(true);
    expect(ignored('core/testing/fixtures.ts')).toBe(true);
    expect(ignored('core/keep.test.ts')).toBe(false);
    expect(ignored('node_modules/x/index.js')).toBe(true);
  });
});

// BuildKit's own checks (what `docker build --check` runs), built from its Go module. Go is needed for the first
// build only, as for the control plane; without Go and without a cached linter the check cannot run here.
describe.skipIf(!Bun.which('go') && !existsSync(linterPath()))('BuildKit Dockerfile checks', () => {
  test(
    'find nothing in the Dockerfile',
    () => {
      expect(lintDockerfile(join(repoRoot, 'Dockerfile'))).toEqual({
        code: 0,
        output: `${join(repoRoot, 'Dockerfile')}: no findings\n`,
      });
    },
    { timeout: 600_000 },
  );

  test('report the usual mistakes, so a clean result means something', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dockerfile-lint-'));
    try {
      const bad = join(dir, 'Dockerfile');
      writeFileSync(bad, 'FROM alpine:3 as Build\nworkdir app\nENV A 1\nCMD echo hi\n');
      const { code, output } = lintDockerfile(bad);
      expect(code).toBe(1);
      for (const rule of ['StageNameCasing', 'FromAsCasing', 'ConsistentInstructionCasing', 'WorkdirRelativePath']) {
        expect(output).toContain(rule);
      }
      expect(output).toContain('LegacyKeyValueFormat');
      expect(output).toContain('JSONArgsRecommended');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
