// The main job (README command 1): a local control plane, the PD/TiKV data-plane simulator and the operator, with
// examples/basic applied; shows progress until the Cluster is Ready and keeps serving until Ctrl-C, then stops
// every process it started.
//
//   bun run cmd/dev.ts [--example <dir>] [--namespace <ns>] [--exit-when-ready] [--timeout <seconds>]
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { KubeObject } from '../core/kube/object.ts';
import { RestKubeClient } from '../core/kube/rest-client.ts';
import { createLogger } from '../core/observability/log.ts';
import { onShutdownSignal } from '../core/platform/runtime.ts';
import { type ControlPlane, freePorts, startControlPlane } from '../core/testing/control-plane.ts';
import { type Simulator, startSimulator } from '../plugins/pd/simulator/simulator.ts';
import { applyManifests, loadManifests } from './dev/manifests.ts';
import { type ClusterView, type GroupLike, groupView, renderPlain, renderTerminal } from './dev/progress.ts';
import { apiKinds } from './kinds.ts';
import { parseRunOptions, type RunOptions } from './operator/options.ts';
import { type RunningOperator, startOperator } from './operator/run.ts';
import { controllerSetups } from './plugins.ts';

const repoRoot = join(import.meta.dir, '..');

interface DevOptions {
  example: string;
  namespace: string;
  exitWhenReady: boolean;
  timeoutSeconds: number | undefined;
}

function parseDevOptions(argv: string[]): DevOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      example: { type: 'string' },
      namespace: { type: 'string' },
      'exit-when-ready': { type: 'boolean' },
      timeout: { type: 'string' },
    },
  });
  const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeout !== undefined && !(timeout > 0)) throw new Error(`--timeout must be a positive number of seconds`);
  return {
    example: values.example ?? join(repoRoot, 'examples/basic'),
    namespace: values.namespace ?? 'default',
    exitWhenReady: values['exit-when-ready'] ?? false,
    timeoutSeconds: timeout,
  };
}

const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(argv: string[]): Promise<number> {
  const opts = parseDevOptions(argv);
  const tty = process.stdout.isTTY === true;
  const started = Date.now();
  const cleanups: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
  };
  let interrupted = false;
  const unsubscribe = onShutdownSignal(() => {
    interrupted = true;
  });

  try {
    say('starting the local control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok)...');
    say('  the first run builds them from Go modules into ~/.cache/tikv-operator (several minutes)');
    const cp: ControlPlane = await startControlPlane({ nodes: 3 });
    cleanups.push(() => cp.stop());
    say(`control plane up in ${(cp.startupMs / 1000).toFixed(1)} s`);

    const sim: Simulator = await startSimulator({ kubeconfig: cp.kubeconfigPath });
    cleanups.push(() => sim.stop());

    const [httpPort] = await freePorts(1);
    const logPath = join(cp.dir, 'logs', 'operator.log');
    const logFile = createWriteStream(logPath, { flags: 'a' });
    cleanups.push(() => new Promise<void>((resolve) => logFile.end(resolve)));
    const options = parseRunOptions([
      `--kubeconfig=${cp.kubeconfigPath}`,
      '--leader-elect=false',
      `--http-address=127.0.0.1:${httpPort}`,
      `--bench-results=${join(repoRoot, 'bench/results/latest.json')}`,
    ]) as RunOptions;
    const operator: RunningOperator = startOperator(options, controllerSetups, {
      resolver: sim.resolver,
      logger: createLogger({ level: 'info', format: 'text', sink: (line) => logFile.write(`${line}\n`) }),
    });
    cleanups.push(() => operator.stop());
    await operator.started;

    const client = RestKubeClient.fromKubeconfigFile(cp.kubeconfigPath);
    cleanups.push(async () => client.close());
    const objects = loadManifests(opts.example);
    await applyManifests(client, objects, opts.namespace, apiKinds());
    const clusterName = objects.find((o) => o.kind === 'Cluster')?.metadata.name;
    if (!clusterName) throw new Error(`${opts.example} has no Cluster`);

    say('');
    say(`applied ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')} in namespace ${opts.namespace}`);
    say(`kubeconfig:    ${cp.kubeconfigPath}`);
    say(`  try: kubectl --kubeconfig ${cp.kubeconfigPath} get cluster,pdgroup,tikvgroup,pd,tikv -n ${opts.namespace}`);
    say(`operator HTTP: ${operator.url.replace(/\/$/, '')}  (/healthz /readyz /metrics /bench)`);
    say(`operator log:  ${logPath}`);
    say('');

    const ready = await watchProgress(client, opts, clusterName, tty, () => interrupted);
    if (ready) say(`Cluster ${clusterName} is Ready after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (ready && !opts.exitWhenReady) {
      say('serving until Ctrl-C');
      while (!interrupted) await Bun.sleep(200);
    }
    if (interrupted) say('stopping every process...');
    return ready || interrupted ? 0 : 1;
  } finally {
    unsubscribe();
    await stopAll();
  }
}

/** Polls the Cluster and its groups once a second and prints progress; resolves true once the Cluster is Ready. */
async function watchProgress(
  client: RestKubeClient,
  opts: DevOptions,
  clusterName: string,
  tty: boolean,
  interrupted: () => boolean,
): Promise<boolean> {
  const deadline = opts.timeoutSeconds === undefined ? Infinity : Date.now() + opts.timeoutSeconds * 1000;
  let lastPlain = '';
  let drawn = 0;
  while (!interrupted() && Date.now() < deadline) {
    const view = await clusterView(client, opts.namespace, clusterName);
    if (tty) {
      const lines = renderTerminal(view);
      if (drawn > 0) process.stdout.write(`\x1b[${drawn}A`);
      for (const line of lines) process.stdout.write(`\x1b[2K${line}\n`);
      drawn = lines.length;
    } else {
      const text = renderPlain(view).join('\n');
      if (text !== lastPlain) say(text);
      lastPlain = text;
    }
    if (view.ready) return true;
    await Bun.sleep(1000);
  }
  if (!interrupted()) say(`Cluster ${clusterName} did not become Ready within ${opts.timeoutSeconds} s`);
  return false;
}

async function clusterView(client: RestKubeClient, namespace: string, clusterName: string): Promise<ClusterView> {
  const kindsByRole = apiKinds();
  const clusterKind = kindsByRole.find((k) => k.role === 'cluster');
  const cluster = clusterKind
    ? await client
        .get<KubeObject & { status?: { conditions?: { type: string; status: string }[] } }>(
          clusterKind.resource,
          clusterName,
          namespace,
        )
        .catch(() => undefined)
    : undefined;
  const groups = [];
  for (const kind of kindsByRole.filter((k) => k.role === 'group')) {
    const list = await client.list<GroupLike & { spec?: { cluster?: { name?: string } } }>(kind.resource, {
      namespace,
    });
    for (const g of list.items) if (g.spec?.cluster?.name === clusterName) groups.push(groupView(g));
  }
  const ready = cluster?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  return { name: clusterName, ready, groups };
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`dev: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
