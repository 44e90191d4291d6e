// End-to-end test support for PD: the real operator as the composition root builds it (both plugins on one PD
// connection), PD played by the simulator, and recorders that look at the simulated PD at the very moment
// something happens to a PD Pod or ConfigMap, so the safety rules are checked at every step and not only at the end.

import { afterAll, beforeAll } from 'bun:test';
import { parseRunOptions, type RunOptions } from '../../cmd/operator/options.ts';
import { type RunningOperator, startOperator } from '../../cmd/operator/run.ts';
import { type BuiltComponents, componentsSetup } from '../../cmd/plugins.ts';
import type { KubeObject } from '../../core/kube/object.ts';
import { createLogger, type Logger, silentLogger } from '../../core/observability/log.ts';
import type { ControlPlane } from '../../core/testing/control-plane.ts';
import { freePorts } from '../../core/testing/control-plane.ts';
import type { ControlPlaneFixture } from '../../core/testing/fixtures.ts';
import { ObjectWatch } from '../../core/testing/object-watch.ts';
import type { PdClusterModel } from './simulator/model/cluster.ts';
import { type Simulator, startSimulator } from './simulator/simulator.ts';

export { API } from '../../core/testing/objects.ts';

export interface E2eOperator {
  operator: RunningOperator;
  built: BuiltComponents;
  stop(): Promise<void>;
}

/**
 * The operator of the binary (startOperator with the composition root's componentsSetup), PD reached through the
 * simulator's resolver, watching every namespace or only `namespace`. Pod deletions get a 1 s grace: kwok keeps a
 * deleted Pod for its whole grace period. `TIKV_TEST_LOG=debug` shows the reconciles on stderr.
 */
export async function startE2eOperator(
  cp: ControlPlane,
  sim: Simulator,
  opts: { namespace?: string } = {},
): Promise<E2eOperator> {
  const level = process.env.TIKV_TEST_LOG;
  const logger: Logger =
    level === 'debug' || level === 'info' ? createLogger({ level, format: 'text' }) : silentLogger();
  const [port] = await freePorts(1);
  const options = parseRunOptions([
    `--kubeconfig=${cp.kubeconfigPath}`,
    '--leader-elect=false',
    ...(opts.namespace ? [`--namespace=${opts.namespace}`] : []),
    `--http-address=127.0.0.1:${port}`,
  ]) as RunOptions;
  let built: BuiltComponents | undefined;
  const setup = componentsSetup({ pd: { gracePeriodSeconds: 1 }, tikv: { minGracePeriodSeconds: 1 } }, (b) => {
    built = b;
  });
  const operator = startOperator(options, [setup], { resolver: sim.resolver, logger });
  await operator.started;
  if (!built) throw new Error('the components were not built');
  return { operator, built, stop: () => operator.stop() };
}

/** The simulator and the operator of this test file: started after the control plane, stopped before it. */
export function useE2eOperator(fixture: ControlPlaneFixture): { readonly sim: Simulator } {
  let sim: Simulator | undefined;
  let op: E2eOperator | undefined;
  beforeAll(async () => {
    sim = await startSimulator({ kubeconfig: fixture.cp.kubeconfigPath });
    op = await startE2eOperator(fixture.cp, sim);
  }, 120_000);
  afterAll(async () => {
    await op?.stop();
    await sim?.stop();
  });
  return {
    get sim() {
      if (!sim) throw new Error('the simulator is read before beforeAll has started it');
      return sim;
    },
  };
}

interface WatchedObject extends KubeObject {
  data?: Record<string, string>;
}

/** A PD Pod seen going (terminating or deleted), with what PD showed at that moment. */
export interface PodRemovalSighting {
  instance: string;
  podUid: string;
  /** PD still listed the member. */
  memberListed: boolean;
  /** The member was PD's leader. */
  wasLeader: boolean;
  /** Members PD listed then, and how many of them were healthy. */
  members: number;
  healthy: number;
  /** The Pod's revision label and image. */
  revision: string | undefined;
  image: string | undefined;
}

/**
 * Watches the PD Pods of a namespace. Each Pod seen terminating (first time per UID) is recorded with PD's view
 * at that moment; after every event it also records whether PD had a quorum and how many members were down at
 * once (not healthy in PD), from the first time PD had a member on.
 */
export class PdRecorder {
  readonly removals: PodRemovalSighting[] = [];
  /** Events at which PD had members but no quorum. */
  quorumLost = 0;
  /** The most PD members unhealthy at one moment. */
  maxMembersDown = 0;
  private readonly seen = new Set<string>();
  private readonly watch: ObjectWatch<WatchedObject>;

  constructor(
    cp: ControlPlane,
    namespace: string,
    private readonly model: () => PdClusterModel | undefined,
  ) {
    this.watch = new ObjectWatch<WatchedObject>(
      cp.api,
      `/api/v1/namespaces/${namespace}/pods?labelSelector=tikv.org%2Fcomponent%3Dpd`,
      (type, pod) => this.onPod(type, pod),
    );
  }

  start(): Promise<void> {
    return this.watch.start();
  }

  stop(): Promise<void> {
    return this.watch.stop();
  }

  /** Starts counting again from now. */
  reset(): void {
    this.removals.length = 0;
    this.quorumLost = 0;
    this.maxMembersDown = 0;
  }

  private onPod(type: string, pod: WatchedObject): void {
    const model = this.model();
    if (!model) return;
    const members = model.members();
    if (members.length > 0) {
      if (!model.hasQuorum()) this.quorumLost++;
      this.maxMembersDown = Math.max(this.maxMembersDown, members.filter((m) => !m.healthy).length);
    }
    const uid = pod.metadata.uid ?? '';
    const going = type === 'DELETED' || pod.metadata.deletionTimestamp !== undefined;
    if (!going || this.seen.has(uid)) return;
    this.seen.add(uid);
    const instance = pod.metadata.labels?.['tikv.org/instance'] ?? pod.metadata.name;
    this.removals.push({
      instance,
      podUid: uid,
      memberListed: model.member(instance) !== undefined,
      wasLeader: model.leader()?.name === instance,
      members: members.length,
      healthy: members.filter((m) => m.healthy).length,
      revision: pod.metadata.labels?.['tikv.org/instance-revision-hash'],
      image: (pod as { spec?: { containers?: { image?: string }[] } }).spec?.containers?.[0]?.image,
    });
  }
}

/** Every version of every PD ConfigMap's config file, in the order the apiserver showed them. */
export class PdConfigRecorder {
  readonly versions = new Map<string, string[]>();
  private readonly watch: ObjectWatch<WatchedObject>;

  constructor(cp: ControlPlane, namespace: string) {
    this.watch = new ObjectWatch<WatchedObject>(
      cp.api,
      `/api/v1/namespaces/${namespace}/configmaps?labelSelector=tikv.org%2Fcomponent%3Dpd`,
      (type, cm) => {
        const content = cm.data?.['pd.toml'];
        if (type === 'DELETED' || content === undefined) return;
        const list = this.versions.get(cm.metadata.name) ?? [];
        if (list[list.length - 1] !== content) list.push(content);
        this.versions.set(cm.metadata.name, list);
      },
    );
  }

  start(): Promise<void> {
    return this.watch.start();
  }

  stop(): Promise<void> {
    return this.watch.stop();
  }

  first(instance: string): string | undefined {
    return this.versions.get(instance)?.[0];
  }

  last(instance: string): string | undefined {
    return this.versions.get(instance)?.at(-1);
  }
}
