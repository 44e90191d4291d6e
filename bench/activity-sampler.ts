// Samples what a step waits for (activity.ts) every few milliseconds while it runs: the Pods from the bench's
// watch, the data plane straight from the simulator's models (same process, no HTTP). The samples feed
// time-split.ts.
import type { PdClusterModel } from '../plugins/pd/simulator/model/cluster.ts';
import { dataPlaneWaits, podWaits, storeViews } from './activity.ts';
import type { ClusterWatch } from './cluster-watch.ts';
import type { ActivitySample, Wait } from './time-split.ts';

export class ActivitySampler {
  private readonly taken: ActivitySample[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;

  /**
   * `models`: the simulated clusters of the step, or undefined without a simulator (then only Pods are seen).
   * 25 ms: finer than the simulator's 100 ms tick, coarse enough to cost nothing next to the control plane.
   */
  constructor(
    private readonly watch: ClusterWatch,
    private readonly clusters: ReadonlySet<string>,
    private readonly models: (() => PdClusterModel[]) | undefined,
    private readonly intervalMs = 25,
  ) {}

  get observesDataPlane(): boolean {
    return this.models !== undefined;
  }

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  stop(): ActivitySample[] {
    clearInterval(this.timer);
    this.sample();
    return [...this.taken];
  }

  private sample(): void {
    const waits: Wait[] = podWaits(this.watch.pods(), this.clusters);
    for (const model of this.models?.() ?? []) waits.push(...dataPlaneWaits(storeViews(model)));
    this.taken.push({ atMs: performance.now(), waits });
  }
}
