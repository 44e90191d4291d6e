// A real local Kubernetes control plane for tests, the dev command and the bench: etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler and kwok (fake nodes whose pods become Running and Ready), plus a volume
// provisioner. Everything listens on 127.0.0.1 on free ports and lives in one temporary directory.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../kube/object.ts';
import { ApiClient, waitFor } from './api.ts';
import { type Binaries, repoRoot, resolveBinaries } from './binaries.ts';
import { installCrds, readCrds } from './crds.ts';
import { renderKubeconfig } from './kubeconfig.ts';
import { fakeNodes, isNodeReady, kwokArgs, type NodeObject, startKubelet, stopKubelet } from './kwok.ts';
import { type ControlPlanePki, generateControlPlanePki } from './pki.ts';
import { type ManagedProcess, ProcessSupervisor } from './processes.ts';
import { standardStorageClass, VolumeProvisioner } from './provisioner.ts';

export interface ControlPlaneOptions {
  /** Fake nodes managed by kwok (default 3), named kwok-node-0.. and spread round-robin over `zones`. */
  nodes?: number;
  /** Values of topology.kubernetes.io/zone (default zone-a, zone-b, zone-c). */
  zones?: string[];
  /** CRDs to install before returning: every YAML file of this directory (default `crds/` at the repo root);
   * false installs none. */
  crdDir?: string | false;
  /** Progress and timings on stderr. */
  log?: boolean;
}

export type Component = 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'kwok';

export interface ControlPlane {
  /** Temporary directory: pki/, logs/<component>.log, etcd data, kubeconfigs. */
  readonly dir: string;
  /** https://127.0.0.1:<port> */
  readonly server: string;
  /** Bearer token of user "admin" in group system:masters. */
  readonly token: string;
  readonly caPem: string;
  readonly caPath: string;
  /** Kubeconfig with the admin token (`kubectl --kubeconfig`, the operator, tests). */
  readonly kubeconfigPath: string;
  /** Kubeconfig with the admin client certificate (O=system:masters), as used by the control-plane components. */
  readonly clientCertKubeconfigPath: string;
  readonly nodeNames: readonly string[];
  readonly zones: readonly string[];
  /** The default StorageClass served by the harness's provisioner. */
  readonly storageClassName: string;
  /** The harness's own REST client (admin token). */
  readonly api: ApiClient;
  readonly processes: readonly ManagedProcess[];
  /** Wall-clock time startControlPlane took, for reports (never for assertions). */
  readonly startupMs: number;
  logPath(component: Component): string;
  /** See kwok.ts: node NotReady (Unknown), its pods not Ready, node tainted unreachable, node and pods frozen. */
  stopKubelet(nodeName: string): Promise<void>;
  startKubelet(nodeName: string): Promise<void>;
  /** Installs the CRDs of a directory and waits until they are Established; returns their names. */
  installCrds(dir: string): Promise<string[]>;
  /** Stops the provisioner and every process; removes the directory unless TIKV_OPERATOR_KEEP_DIR=1. Idempotent. */
  stop(): Promise<void>;
}

export const defaultZones = ['zone-a', 'zone-b', 'zone-c'] as const;
export const keepDirEnv = 'TIKV_OPERATOR_KEEP_DIR';
const serviceCidr = '10.96.0.0/16';
const kubernetesServiceIP = '10.96.0.1';
const podCidr = '10.244.0.0/16';
const healthTimeoutMs = 60_000;

export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const started = performance.now();
  const log = (msg: string) => {
    if (opts.log) console.error(`[control-plane +${((performance.now() - started) / 1000).toFixed(1)}s] ${msg}`);
  };
  const nodeCount = opts.nodes ?? 3;
  const zones = opts.zones ?? [...defaultZones];
  const dir = await mkdtemp(join(tmpdir(), 'tikv-cp-'));
  const keepDir = process.env[keepDirEnv] === '1';
  const supervisor = new ProcessSupervisor(dir);
  const logPath = (c: Component) => join(dir, 'logs', `${c}.log`);
  let provisioner: VolumeProvisioner | undefined;
  let stopping: Promise<void> | undefined;

  const stop = () => {
    stopping ??= (async () => {
      await provisioner?.stop();
      await supervisor.stop();
      if (keepDir) console.error(`[control-plane] kept ${dir} (${keepDirEnv}=1)`);
      else await rm(dir, { recursive: true, force: true });
    })();
    return stopping;
  };

  try {
    log(`directory ${dir}`);
    const [bins, pki, ports] = await Promise.all([
      resolveBinaries(),
      generateControlPlanePki(join(dir, 'pki'), { serviceIP: kubernetesServiceIP }),
      freePorts(5),
    ]);
    const [etcdClientPort, etcdPeerPort, apiserverPort, kcmPort, schedulerPort] = ports as [
      number,
      number,
      number,
      number,
      number,
    ];
    const server = `https://127.0.0.1:${apiserverPort}`;
    const token = randomBytes(24).toString('hex');
    const caPem = await Bun.file(pki.caCert).text();
    const kubeconfigPath = join(dir, 'kubeconfig');
    const clientCertKubeconfigPath = join(dir, 'kubeconfig-client-cert');
    await Promise.all([
      writeFile(join(dir, 'tokens.csv'), `${token},admin,admin-uid,"system:masters"\n`, { mode: 0o600 }),
      writeFile(kubeconfigPath, renderKubeconfig({ server, caPem, credentials: { token } }), { mode: 0o600 }),
      writeFile(
        clientCertKubeconfigPath,
        renderKubeconfig({
          server,
          caPem,
          credentials: {
            clientCertificatePem: await Bun.file(pki.adminCert).text(),
            clientKeyPem: await Bun.file(pki.adminKey).text(),
          },
        }),
        { mode: 0o600 },
      ),
    ]);
    log('pki and kubeconfigs written');
    const api = new ApiClient({ server, token, caPem });
    const check = () => supervisor.assertAllRunning();
    const waitHealthy = async (component: Component, probe: () => Promise<boolean>) => {
      try {
        await waitFor(probe, { timeoutMs: healthTimeoutMs, intervalMs: 100, what: `${component} health`, check });
      } catch (err) {
        const tail = supervisor.tail(component);
        throw new Error(`${(err as Error).message}\nlast lines of ${logPath(component)}:\n${tail}`);
      }
      log(`${component} ready`);
    };

    supervisor.start('etcd', [bins.etcd, ...etcdArgs(dir, etcdClientPort, etcdPeerPort)]);
    await waitHealthy('etcd', async () => {
      const res = await fetch(`http://127.0.0.1:${etcdClientPort}/health`);
      return res.ok && ((await res.json()) as { health?: string }).health === 'true';
    });

    supervisor.start('kube-apiserver', [bins.kubeApiserver, ...apiserverArgs(dir, pki, apiserverPort, etcdClientPort)]);
    await waitHealthy('kube-apiserver', async () => {
      const res = await fetch(`${server}/readyz`, {
        headers: { authorization: `Bearer ${token}` },
        tls: { ca: caPem },
      });
      await res.text();
      return res.ok;
    });

    const nodes = fakeNodes(nodeCount, zones);
    const storageClass = standardStorageClass();
    await Promise.all([
      ...nodes.map((node) => api.create('/api/v1/nodes', node)),
      api.create('/apis/storage.k8s.io/v1/storageclasses', storageClass),
    ]);
    log(`${nodeCount} nodes and StorageClass ${storageClass.metadata.name} created`);

    startComponents(supervisor, bins, { dir, pki, clientCertKubeconfigPath, kcmPort, schedulerPort });
    provisioner = new VolumeProvisioner(api, (msg) => log(msg));
    const crdDir = opts.crdDir ?? join(repoRoot, 'crds');
    await Promise.all([
      provisioner.start(),
      waitHealthy('kube-controller-manager', () => componentHealthy(kcmPort, '/healthz')),
      waitHealthy('kube-scheduler', () => componentHealthy(schedulerPort, '/readyz')),
      waitHealthy('kwok', async () => {
        const list = await api.get<{ items: NodeObject[] }>('/api/v1/nodes');
        return list.items.filter(isNodeReady).length >= nodeCount;
      }),
      // The ServiceAccount admission plugin rejects pods until the controller created the namespace's "default".
      waitFor(() => api.find<KubeObject>('/api/v1/namespaces/default/serviceaccounts/default'), {
        timeoutMs: healthTimeoutMs,
        what: 'the default ServiceAccount',
        check,
      }),
      (crdDir === false ? Promise.resolve([]) : readCrds(crdDir)).then(async (crds) => {
        if (crds.length === 0) return;
        await installCrds(api, crds);
        log(`${crds.length} CRDs from ${crdDir} established`);
      }),
    ]);
    const startupMs = performance.now() - started;
    log(`control plane ready in ${(startupMs / 1000).toFixed(1)}s: ${server}, kubeconfig ${kubeconfigPath}`);

    return {
      dir,
      server,
      token,
      caPem,
      caPath: pki.caCert,
      kubeconfigPath,
      clientCertKubeconfigPath,
      nodeNames: nodes.map((n) => n.metadata.name),
      zones,
      storageClassName: storageClass.metadata.name,
      api,
      processes: supervisor.processes,
      startupMs,
      logPath,
      stopKubelet: (name) => stopKubelet(api, name),
      startKubelet: (name) => startKubelet(api, name),
      installCrds: async (crdDirectory) => installCrds(api, await readCrds(crdDirectory)),
      stop,
    };
  } catch (err) {
    await stop();
    const where = keepDir ? `logs kept in ${join(dir, 'logs')}` : `set ${keepDirEnv}=1 to keep ${dir}`;
    throw new Error(`control plane failed to start (${where}): ${(err as Error).message}`, { cause: err });
  }
}

function startComponents(
  supervisor: ProcessSupervisor,
  bins: Binaries,
  c: { dir: string; pki: ControlPlanePki; clientCertKubeconfigPath: string; kcmPort: number; schedulerPort: number },
): void {
  supervisor.start('kube-controller-manager', [
    bins.kubeControllerManager,
    `--kubeconfig=${c.clientCertKubeconfigPath}`,
    '--leader-elect=false',
    '--bind-address=127.0.0.1',
    `--secure-port=${c.kcmPort}`,
    // The taint-eviction controller would evict pods from nodes whose kubelet a test stopped; node-lifecycle stays
    // on so such nodes still get tainted and their pods marked not ready, as in a real cluster.
    '--controllers=*,-taint-eviction-controller',
    '--node-monitor-period=2s',
    `--service-account-private-key-file=${c.pki.serviceAccountKey}`,
    `--root-ca-file=${c.pki.caCert}`,
    `--cluster-signing-cert-file=${c.pki.caCert}`,
    `--cluster-signing-key-file=${c.pki.caKey}`,
  ]);
  supervisor.start('kube-scheduler', [
    bins.kubeScheduler,
    `--kubeconfig=${c.clientCertKubeconfigPath}`,
    '--leader-elect=false',
    '--bind-address=127.0.0.1',
    `--secure-port=${c.schedulerPort}`,
  ]);
  supervisor.start('kwok', [bins.kwok, ...kwokArgs({ kubeconfig: c.clientCertKubeconfigPath, podCidr })]);
}

function etcdArgs(dir: string, clientPort: number, peerPort: number): string[] {
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  return [
    '--name=local',
    `--data-dir=${join(dir, 'etcd')}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=local=${peer}`,
    // Test data is disposable: skipping fsync makes every apiserver write much cheaper.
    '--unsafe-no-fsync=true',
    '--log-level=warn',
    // One member: no peer to wait for, so elect it quickly instead of after the default 1 s timeout.
    '--heartbeat-interval=10',
    '--election-timeout=100',
  ];
}

function apiserverArgs(dir: string, pki: ControlPlanePki, port: number, etcdPort: number): string[] {
  return [
    `--etcd-servers=http://127.0.0.1:${etcdPort}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    // Endpoints may not hold loopback addresses, so the `kubernetes` Service gets none (nothing here dials it).
    '--endpoint-reconciler-type=none',
    `--secure-port=${port}`,
    `--cert-dir=${join(dir, 'pki')}`,
    `--tls-cert-file=${pki.servingCert}`,
    `--tls-private-key-file=${pki.servingKey}`,
    `--client-ca-file=${pki.caCert}`,
    `--token-auth-file=${join(dir, 'tokens.csv')}`,
    '--authorization-mode=RBAC',
    `--service-cluster-ip-range=${serviceCidr}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${pki.serviceAccountPub}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    '--allow-privileged=true',
    '--profiling=false',
  ];
}

/** KCM and the scheduler serve /healthz and /readyz unauthenticated, with an in-memory self-signed certificate. */
async function componentHealthy(port: number, path: string): Promise<boolean> {
  const res = await fetch(`https://127.0.0.1:${port}${path}`, { tls: { rejectUnauthorized: false } });
  await res.text();
  return res.ok;
}

/** Distinct free loopback ports: all listeners stay open until every port is known, then close. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => {
    const address = s.address();
    if (address === null || typeof address === 'string') throw new Error('unexpected listener address');
    return address.port;
  });
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}
