// The quick profile end to end, in the test command so the bench never rots: the embedded control plane, the
// simulator, the operator in its own process reaching PD through the address feed, one 3 PD + 3 TiKV cluster.
// Asserts the shape of the result and that the simulator saw nothing unsafe; never how long anything took.
import { afterAll, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHttpApp } from '../core/server/app.ts';
import { benchPassed, runBench } from './main.ts';
import { benchSchema } from './results.ts';

const outDir = mkdtempSync(join(tmpdir(), 'bench-quick-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

test(
  'the quick profile creates a 3 PD + 3 TiKV cluster, measures the operator and finds no safety violation',
  async () => {
    const lines: string[] = [];
    const { result, paths } = await runBench(
      {
        profile: 'quick',
        scenarios: ['create-3pd-3tikv'],
        outDir,
        steadySeconds: 2,
        stepTimeoutSeconds: 180,
        keep: false,
      },
      (line) => lines.push(line),
    );
    const scenario = result.scenarios[0];
    if (scenario?.status !== 'ok') throw new Error(`scenario failed: ${scenario?.error}\n${lines.join('\n')}`);

    expect(result).toMatchObject({
      schema: benchSchema,
      profile: 'quick',
      environment: {
        mode: 'embedded',
        operator: 'child-process',
        leaderElection: 'off',
        simulator: { regionCount: 8 },
      },
    });
    expect(scenario).toMatchObject({ name: 'create-3pd-3tikv', clusters: 1, instances: { pd: 3, tikv: 3 } });

    const [create] = scenario.steps;
    expect(create).toMatchObject({ name: 'create', measured: true, instances: { basis: 'created', count: 6 } });
    if (!create) throw new Error('no step');
    // Milestones in the order they happened; the Cluster is Ready last, once both groups are.
    expect(create.phases.map((p) => p.name).sort()).toEqual([
      'Cluster Ready',
      'PDGroups settled',
      'TiKVGroups settled',
    ]);
    expect(create.phases.at(-1)).toEqual({ name: 'Cluster Ready', atMs: create.durationMs });
    const { split } = create;
    expect((split.dataPlaneWaitMs ?? Number.NaN) + split.podLifecycleMs + split.operatorMs).toBeCloseTo(
      create.durationMs,
      -1,
    );
    // Six instances need at least their instance objects, Pods, ConfigMaps and PVCs written.
    expect(create.api.writesByResource).toMatchObject({
      Pod: expect.any(Number),
      PersistentVolumeClaim: expect.any(Number),
    });
    expect(create.writesPerInstance).toBeGreaterThanOrEqual(4);
    // The simulated PD the operator reached through the address feed: 3 members, 3 stores Up.
    expect(scenario.dataPlane).toMatchObject({ pdMembers: 3, healthyPdMembers: 3, storesUp: 3, regions: 8 });

    expect(scenario.steadyState).toMatchObject({ windowSeconds: 2, excluded: [], cpuSeconds: expect.any(Number) });
    expect(scenario.operator?.source).toBe('proc');
    expect(scenario.operator?.peakRssBytes).toBeGreaterThanOrEqual(scenario.operator?.baselineRssBytes ?? Number.NaN);
    expect(scenario.operator?.cpuSeconds).toBeGreaterThan(0);

    expect(scenario.safety?.clean).toBe(true);
    expect(Object.values(scenario.safety?.counters ?? { missing: 1 }).every((n) => n === 0)).toBe(true);
    expect(benchPassed(result)).toBe(true);

    // What the operator's /bench serves is this run.
    const app = createHttpApp({
      benchResultsPath: paths.latest,
      metrics: { contentType: 'text/plain', exposition: async () => '' },
      readiness: () => ({ ready: true, reason: 'ok' }),
    });
    const served = await app.request('/bench');
    expect(served.status).toBe(200);
    expect(await served.json()).toEqual(JSON.parse(readFileSync(paths.json, 'utf8')));
  },
  { timeout: 300_000 },
);
