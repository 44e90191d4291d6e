// The bench's scenarios (design brief section 6) as data: the clusters a scenario starts from and the steps it
// takes. Setup steps build the starting point of a scale or an upgrade and are recorded but not reported as the
// scenario's numbers. Pure.
import { type ClusterShape, clusterNames } from './manifests.ts';

export type StepAction =
  | { type: 'create' }
  | { type: 'scale'; component: 'pd' | 'tikv'; replicas: number }
  | { type: 'upgrade'; version: string };

export interface StepDefinition {
  name: string;
  measured: boolean;
  action: StepAction;
}

export interface ScenarioDefinition {
  name: string;
  description: string;
  clusters: ClusterShape[];
  steps: StepDefinition[];
}

const create = (measured: boolean): StepDefinition => ({ name: 'create', measured, action: { type: 'create' } });

export const scenarios: readonly ScenarioDefinition[] = [
  {
    name: 'create-3pd-3tikv',
    description: 'one cluster of 3 PD + 3 TiKV (examples/basic), from apply to Cluster Ready',
    clusters: [{ name: 'basic', pd: 3, tikv: 3 }],
    steps: [create(true)],
  },
  {
    name: 'create-50-tikv',
    description: 'one cluster of 3 PD + 50 TiKV, from apply to Cluster Ready',
    clusters: [{ name: 'big', pd: 3, tikv: 50 }],
    steps: [create(true)],
  },
  {
    name: 'create-20-clusters',
    description: '20 clusters of 3 PD + 3 TiKV applied at once, until every Cluster is Ready',
    clusters: clusterNames('c', 20).map((name) => ({ name, pd: 3, tikv: 3 })),
    steps: [create(true)],
  },
  {
    name: 'scale-tikv',
    description: 'a 3 PD + 3 TiKV cluster scales TiKV out to 6 and back in to 3 (stores removed through PD)',
    clusters: [{ name: 'scale', pd: 3, tikv: 3 }],
    steps: [
      create(false),
      { name: 'scale-out 3->6', measured: true, action: { type: 'scale', component: 'tikv', replicas: 6 } },
      { name: 'scale-in 6->3', measured: true, action: { type: 'scale', component: 'tikv', replicas: 3 } },
    ],
  },
  {
    name: 'rolling-upgrade',
    description: 'a 3 PD + 6 TiKV cluster upgrades v8.5.0 -> v8.5.2 (PD first, leaders moved before each restart)',
    clusters: [{ name: 'upgrade', pd: 3, tikv: 6, version: 'v8.5.0' }],
    steps: [create(false), { name: 'upgrade', measured: true, action: { type: 'upgrade', version: 'v8.5.2' } }],
  },
];

/** The quick profile: the first scenario, small enough for the test command. */
export const quickScenarios = ['create-3pd-3tikv'] as const;

export function findScenarios(names: readonly string[]): ScenarioDefinition[] {
  return names.map((name) => {
    const found = scenarios.find((s) => s.name === name);
    if (!found) throw new Error(`unknown scenario "${name}"; known: ${scenarios.map((s) => s.name).join(', ')}`);
    return found;
  });
}

/** The clusters after a step. */
export function applyStep(shapes: readonly ClusterShape[], action: StepAction): ClusterShape[] {
  switch (action.type) {
    case 'create':
      return [...shapes];
    case 'scale':
      return shapes.map((s) => ({ ...s, [action.component]: action.replicas }));
    case 'upgrade':
      return shapes.map((s) => ({ ...s, version: action.version }));
  }
}

/** What a step does to instances, for the per-instance numbers: created, removed, or restarted (upgrade). */
export function stepInstances(
  before: readonly ClusterShape[],
  action: StepAction,
): { basis: 'created' | 'removed' | 'restarted'; count: number } {
  const total = (shapes: readonly ClusterShape[]) => shapes.reduce((n, s) => n + s.pd + s.tikv, 0);
  const after = applyStep(before, action);
  switch (action.type) {
    case 'create':
      return { basis: 'created', count: total(after) };
    case 'upgrade':
      return { basis: 'restarted', count: total(after) };
    case 'scale': {
      const delta = total(after) - total(before);
      return delta >= 0 ? { basis: 'created', count: delta } : { basis: 'removed', count: -delta };
    }
  }
}
