// bun:test wiring: one control plane per test file (started in beforeAll, stopped in afterAll, also when tests
// fail), one namespace per test.
import { afterAll, beforeAll } from 'bun:test';
import type { KubeObject } from '../kube/object.ts';
import { waitFor } from './api.ts';
import { type ControlPlane, type ControlPlaneOptions, startControlPlane } from './control-plane.ts';

export interface ControlPlaneFixture {
  /** The running control plane; throws when read before beforeAll has finished. */
  readonly cp: ControlPlane;
}

/**
 * Starts a control plane for the current test file. Startup usually takes seconds with cached binaries, but the
 * hook allows minutes: a first run may build them (run `bash hack/kube/build.sh` beforehand to keep that out of
 * the tests).
 */
export function useControlPlane(opts: ControlPlaneOptions & { startTimeoutMs?: number } = {}): ControlPlaneFixture {
  let current: ControlPlane | undefined;
  let starting: Promise<ControlPlane> | undefined;
  beforeAll(
    async () => {
      starting = startControlPlane(opts);
      current = await starting;
    },
    { timeout: opts.startTimeoutMs ?? 300_000 },
  );
  afterAll(
    async () => {
      // A start still in flight (hook timeout) is stopped once it settles; a failed start cleaned up itself.
      const cp = current ?? (await starting?.catch(() => undefined));
      await cp?.stop();
    },
    { timeout: 60_000 },
  );
  return {
    get cp(): ControlPlane {
      if (!current) throw new Error('the control plane is not running (used outside a test, or startup failed)');
      return current;
    },
  };
}

/**
 * A fresh namespace named `<prefix>-<random>`, ready for pods: the ServiceAccount admission plugin rejects pods
 * until kube-controller-manager has created the namespace's "default" ServiceAccount, so this waits for it.
 */
export async function createTestNamespace(cp: ControlPlane, prefix = 'test'): Promise<string> {
  const ns = await cp.api.create<KubeObject>('/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { generateName: `${prefix}-`, labels: { 'sim.tikv.org/test': 'true' } },
  });
  const name = ns.metadata.name;
  await waitFor(() => cp.api.find<KubeObject>(`/api/v1/namespaces/${name}/serviceaccounts/default`), {
    timeoutMs: 30_000,
    what: `the default ServiceAccount of namespace ${name}`,
  });
  return name;
}
