// Where the bench runs: the embedded default (local control plane, PD/TiKV simulator, the simulator's address
// feed for the operator process) or any cluster given by a kubeconfig (real PD and TiKV, nothing simulated).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VersionApi } from '@kubernetes/client-node';
import { apiKinds } from '../cmd/kinds.ts';
import { loadKubeConfig } from '../core/kube/config.ts';
import { isNotFound } from '../core/kube/errors.ts';
import { RestKubeClient } from '../core/kube/rest-client.ts';
import { type AddressFeedServer, serveAddressFeed } from '../core/net/address-feed.ts';
import { type ControlPlane, startControlPlane } from '../core/testing/control-plane.ts';
import type { SimulationKnobs } from '../plugins/pd/simulator/model/knobs.ts';
import { type Simulator, startSimulator } from '../plugins/pd/simulator/simulator.ts';

export interface BenchTarget {
  mode: 'embedded' | 'kubeconfig';
  kubeconfigPath: string;
  /** The simulator (embedded only): safety counters and the data-plane side of the time split. */
  simulator: Simulator | undefined;
  /** The simulator's address feed for the operator process (`--dev-address-feed`), embedded only. */
  addressFeedUrl: string | undefined;
  kubernetesVersion: string | null;
  simulatorKnobs: Partial<SimulationKnobs> | null;
  /** Pod annotations for the scenario manifests (kwok: terminate promptly like a real process). */
  podAnnotations: Record<string, string> | undefined;
  /** Logs of the operator processes. */
  workDir: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  knobs: Partial<SimulationKnobs>;
  log?: (line: string) => void;
}

export async function startEmbeddedTarget(opts: EmbeddedOptions): Promise<BenchTarget> {
  const cleanups: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  };
  try {
    opts.log?.('starting the local control plane (the first run builds it from Go modules, several minutes)...');
    const cp: ControlPlane = await startControlPlane({ nodes: 3 });
    cleanups.push(() => cp.stop());
    opts.log?.(`control plane up in ${(cp.startupMs / 1000).toFixed(1)} s`);
    const simulator = await startSimulator({ kubeconfig: cp.kubeconfigPath, knobs: opts.knobs });
    cleanups.push(() => simulator.stop());
    const feed: AddressFeedServer = serveAddressFeed(simulator.resolver);
    cleanups.push(() => feed.stop());
    return {
      mode: 'embedded',
      kubeconfigPath: cp.kubeconfigPath,
      simulator,
      addressFeedUrl: feed.url,
      kubernetesVersion: await kubernetesVersion(cp.kubeconfigPath),
      simulatorKnobs: opts.knobs,
      // A real PD or TiKV exits within seconds of SIGTERM; kwok would wait out the whole grace period.
      podAnnotations: { 'sim.tikv.org/terminate-after': '1s' },
      workDir: mkdtempSync(join(tmpdir(), 'tikv-bench-')),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The apiserver's `gitVersion` (GET /version), or null when it does not say. */
async function kubernetesVersion(kubeconfigPath: string): Promise<string | null> {
  try {
    const { kubeConfig } = loadKubeConfig({ path: kubeconfigPath });
    return (await kubeConfig.makeApiClient(VersionApi).getCode()).gitVersion;
  } catch {
    return null;
  }
}

/** Any cluster: checks that the CRDs are installed, starts nothing. */
export async function kubeconfigTarget(kubeconfigPath: string): Promise<BenchTarget> {
  const client = RestKubeClient.fromKubeconfigFile(kubeconfigPath);
  try {
    const clusterKind = apiKinds().find((k) => k.role === 'cluster');
    if (!clusterKind) throw new Error('no Cluster kind among the API kinds');
    await client.list(clusterKind.resource, { limit: 1 }).catch((error: unknown) => {
      if (isNotFound(error)) {
        throw new Error(
          `the CRDs are not installed in this cluster: run \`bun cmd/tikv-operator.ts crds install --kubeconfig ${kubeconfigPath}\``,
        );
      }
      throw error;
    });
  } finally {
    client.close();
  }
  return {
    mode: 'kubeconfig',
    kubeconfigPath,
    simulator: undefined,
    addressFeedUrl: undefined,
    kubernetesVersion: await kubernetesVersion(kubeconfigPath),
    simulatorKnobs: null,
    podAnnotations: undefined,
    workDir: mkdtempSync(join(tmpdir(), 'tikv-bench-')),
    stop: async () => undefined,
  };
}
