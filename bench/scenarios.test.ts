import { describe, expect, test } from 'bun:test';
import { applyStep, findScenarios, quickScenarios, scenarios, stepInstances } from './scenarios.ts';

describe('scenarios', () => {
  test('cover the design brief: 3+3, 50 TiKV, 20 clusters, scale 3->6->3, rolling upgrade of 3+6', () => {
    expect(scenarios.map((s) => s.name)).toEqual([
      'create-3pd-3tikv',
      'create-50-tikv',
      'create-20-clusters',
      'scale-tikv',
      'rolling-upgrade',
    ]);
    const [small, big, many, scale, upgrade] = findScenarios(scenarios.map((s) => s.name));
    expect(small?.clusters).toEqual([{ name: 'basic', pd: 3, tikv: 3 }]);
    expect(big?.clusters).toEqual([{ name: 'big', pd: 3, tikv: 50 }]);
    expect(many?.clusters).toHaveLength(20);
    expect(new Set(many?.clusters.map((c) => c.name)).size).toBe(20);
    expect(scale?.steps.filter((s) => s.measured).map((s) => s.action)).toEqual([
      { type: 'scale', component: 'tikv', replicas: 6 },
      { type: 'scale', component: 'tikv', replicas: 3 },
    ]);
    expect(upgrade?.clusters).toEqual([{ name: 'upgrade', pd: 3, tikv: 6, version: 'v8.5.0' }]);
  });

  test('the quick profile names a known scenario, and an unknown name lists the known ones', () => {
    expect(findScenarios(quickScenarios)).toHaveLength(1);
    expect(() => findScenarios(['nope'])).toThrow(/unknown scenario "nope"; known: create-3pd-3tikv, /);
  });
});

describe('step arithmetic', () => {
  const start = [{ name: 'a', pd: 3, tikv: 3 }];

  test('creating counts every instance of every cluster as created', () => {
    expect(stepInstances([...start, { name: 'b', pd: 3, tikv: 50 }], { type: 'create' })).toEqual({
      basis: 'created',
      count: 59,
    });
  });

  test('scaling out creates the difference, scaling in removes it', () => {
    const out = { type: 'scale', component: 'tikv', replicas: 6 } as const;
    expect(stepInstances(start, out)).toEqual({ basis: 'created', count: 3 });
    const six = applyStep(start, out);
    expect(six).toEqual([{ name: 'a', pd: 3, tikv: 6 }]);
    expect(stepInstances(six, { type: 'scale', component: 'tikv', replicas: 3 })).toEqual({
      basis: 'removed',
      count: 3,
    });
  });

  test('an upgrade restarts every instance and changes the version', () => {
    const shapes = [{ name: 'u', pd: 3, tikv: 6, version: 'v8.5.0' }];
    expect(stepInstances(shapes, { type: 'upgrade', version: 'v8.5.2' })).toEqual({ basis: 'restarted', count: 9 });
    expect(applyStep(shapes, { type: 'upgrade', version: 'v8.5.2' })[0]?.version).toBe('v8.5.2');
  });
});
