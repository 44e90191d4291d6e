// Locates the control-plane binaries: hack/kube/build.sh builds them from Go modules into a cache on first use
// (or validates $KUBEBUILDER_ASSETS) and prints the bin directory on its last stdout line.
import { join, resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dir, '..', '..');

export interface Binaries {
  dir: string;
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kwok: string;
}

export function binariesIn(dir: string): Binaries {
  return {
    dir,
    etcd: join(dir, 'etcd'),
    kubeApiserver: join(dir, 'kube-apiserver'),
    kubeControllerManager: join(dir, 'kube-controller-manager'),
    kubeScheduler: join(dir, 'kube-scheduler'),
    kwok: join(dir, 'kwok'),
  };
}

let resolving: Promise<Binaries> | undefined;

/** Runs the build script once per process; its progress goes to our stderr (a cold build takes many minutes). */
export function resolveBinaries(): Promise<Binaries> {
  resolving ??= runBuildScript().catch((err) => {
    resolving = undefined;
    throw err;
  });
  return resolving;
}

async function runBuildScript(): Promise<Binaries> {
  const script = join(repoRoot, 'hack', 'kube', 'build.sh');
  const proc = Bun.spawn(['bash', script], { stdin: 'ignore', stdout: 'pipe', stderr: 'inherit' });
  const [code, out] = await Promise.all([proc.exited, new Response(proc.stdout).text()]);
  if (code !== 0) throw new Error(`${script} failed with exit code ${code} (see its output above)`);
  const dir = out.trimEnd().split('\n').at(-1)?.trim();
  if (!dir) throw new Error(`${script} printed no bin directory`);
  return binariesIn(dir);
}
