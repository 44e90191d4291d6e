import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type BenchResult,
  benchSchema,
  renderMarkdown,
  resultFileStem,
  type StepResult,
  writeResults,
} from './results.ts';

const step = (over: Partial<StepResult>): StepResult => ({
  name: 'create',
  measured: true,
  durationMs: 12_345,
  phases: [{ name: 'Cluster Ready', atMs: 12_345 }],
  clusterReadyMs: null,
  split: {
    dataPlaneWaitMs: 1_000,
    podLifecycleMs: 4_000,
    operatorMs: 7_345,
    byWait: { 'leader-eviction': 1_000, 'store-drain': 0, 'pod-termination': 0, 'pod-start': 4_000 },
    samples: 400,
    resolutionMs: 25,
  },
  instances: { basis: 'created', count: 6 },
  api: { total: 100, reads: 10, writes: 60, watches: 30, byVerb: {}, writesByResource: {}, errors: 0, failed: [] },
  writesPerInstance: 10,
  operatorMsPerInstance: 1_224.17,
  cpuSeconds: 1.5,
  ...over,
});

const result: BenchResult = {
  schema: benchSchema,
  profile: 'full',
  startedAt: '2026-11-21T01:02:03.456Z',
  finishedAt: '2026-11-21T01:12:03.456Z',
  environment: {
    mode: 'embedded',
    operator: 'child-process',
    leaderElection: 'off',
    steadyStateExcludes: [],
    operatorVersion: '0.1.0',
    gitCommit: '0123456789abcdef0123',
    kubernetesVersion: 'v1.33.13',
    host: { os: 'linux 6', arch: 'x64', cpus: 2, cpuModel: 'Xeon', memoryBytes: 8 * 1024 ** 3, runtime: 'bun 1.4.5' },
    simulator: { regionCount: 64 },
    steadyStateSeconds: 60,
  },
  scenarios: [
    {
      name: 'scale-tikv',
      description: 'scale',
      status: 'ok',
      clusters: 1,
      instances: { pd: 3, tikv: 3 },
      steps: [step({ measured: false }), step({ name: 'scale-out 3->6', instances: { basis: 'created', count: 3 } })],
      steadyState: {
        windowSeconds: 60,
        cpuSeconds: 0.4,
        writes: 0,
        writesPerMinute: 0,
        writesByResource: {},
        reads: 0,
        requests: [],
        excluded: [],
      },
      operator: {
        source: 'proc',
        baselineRssBytes: 80 * 1024 ** 2,
        peakRssBytes: 120 * 1024 ** 2,
        endRssBytes: 100 * 1024 ** 2,
        cpuSeconds: 3.25,
        startupCpuSeconds: 0.8,
      },
      safety: { clean: true, counters: { leaderDropEvents: 0 }, violations: [] },
      dataPlane: { pdMembers: 3, healthyPdMembers: 3, storesUp: 3, regions: 64 },
      operatorLog: '/tmp/x/operator.log',
    },
    {
      name: 'rolling-upgrade',
      description: 'upgrade',
      status: 'failed',
      error: 'not settled after 300 s: TiKVGroup upgrade-tikv: updated 4/6',
      clusters: 1,
      instances: { pd: 3, tikv: 6 },
      steps: [],
      steadyState: null,
      operator: null,
      safety: {
        clean: false,
        counters: { leaderDropEvents: 1, droppedLeaders: 7, dataLostRegions: 0 },
        violations: ['x'],
      },
      dataPlane: null,
      operatorLog: null,
    },
  ],
};

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('bench results', () => {
  test('file names are the start time, file-name safe, marked when not a full run', () => {
    const date = new Date('2026-11-21T01:02:03.456Z');
    expect(resultFileStem(date, 'full')).toBe('2026-11-21T01-02-03Z');
    expect(resultFileStem(date, 'quick')).toBe('2026-11-21T01-02-03Z-quick');
  });

  test('the table has a row per measured step and per scenario, and names failures and violations', () => {
    const md = renderMarkdown(result);
    expect(md).toContain(
      '| scale-tikv / scale-out 3->6 | 3 created | 12.3 | 1.0 / 4.0 / 7.3 | 1.22 | 10 / 60 / 30 | 10.0 | 1.50 |',
    );
    expect(md).not.toContain('scale-tikv / create');
    expect(md).toContain('| scale-tikv | 1 | 3 + 3 | 0.0 (60 s) | 0.40 | 80 / 120 | 3.25 | clean |');
    expect(md).toContain(
      '| rolling-upgrade | 1 | 3 + 6 | n/a | n/a | n/a | n/a | FAILED; leaderDropEvents=1, droppedLeaders=7 |',
    );
    expect(md).toContain('- **rolling-upgrade failed:** not settled after 300 s: TiKVGroup upgrade-tikv: updated 4/6');
    expect(md).toContain('Kubernetes v1.33.13; 2 × Xeon, 8192 MiB, bun 1.4.5.');
  });

  test('writes the dated JSON, its table and latest.json with the same content', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-results-'));
    dirs.push(dir);
    const paths = writeResults(dir, result);
    expect(paths.json).toBe(join(dir, '2026-11-21T01-02-03Z.json'));
    expect(JSON.parse(readFileSync(paths.json, 'utf8'))).toEqual(result);
    expect(readFileSync(paths.latest, 'utf8')).toBe(readFileSync(paths.json, 'utf8'));
    expect(readFileSync(paths.markdown, 'utf8')).toBe(renderMarkdown(result));
  });
});
