// Two operators compete for the Lease on a real apiserver: one leads, the other stands by (ready, not
// reconciling); a graceful stop hands the Lease over at once, a killed leader is replaced once its lease expires.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { type Subprocess, spawn } from 'bun';
import type { KubeClient } from '../../core/kube/client.ts';
import { type KubeObject, kinds } from '../../core/kube/object.ts';
import { RestKubeClient } from '../../core/kube/rest-client.ts';
import { silentLogger } from '../../core/observability/log.ts';
import { waitFor } from '../../core/testing/api.ts';
import { freePorts } from '../../core/testing/control-plane.ts';
import { createTestNamespace, useControlPlane } from '../../core/testing/fixtures.ts';
import { parseRunOptions, type RunOptions } from './options.ts';
import { type RunningOperator, startOperator } from './run.ts';

// The CRDs are installed: the operator's informers (Cluster, groups, instances) sync only when their kinds exist.
const fixture = useControlPlane({ nodes: 1 });
const repoRoot = new URL('../../', import.meta.url).pathname;

interface Lease extends KubeObject {
  spec?: { holderIdentity?: string; leaseTransitions?: number };
}

let client: KubeClient & { close(): void };
let ns: string;
const children: Subprocess[] = [];
const operators: RunningOperator[] = [];

beforeAll(async () => {
  client = RestKubeClient.fromKubeconfigFile(fixture.cp.kubeconfigPath);
  ns = await createTestNamespace(fixture.cp, 'election');
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await Promise.all(operators.map((o) => o.stop()));
  client?.close();
});

function runArgs(leaseId: string, port: number): string[] {
  return [
    `--kubeconfig=${fixture.cp.kubeconfigPath}`,
    '--leader-elect',
    `--leader-election-namespace=${ns}`,
    `--leader-election-id=${leaseId}`,
    `--http-address=127.0.0.1:${port}`,
    '--log-level=debug',
  ];
}

function inProcess(leaseId: string, port: number): RunningOperator {
  const options = parseRunOptions(runArgs(leaseId, port)) as RunOptions;
  const operator = startOperator(options, [], { logger: silentLogger() });
  operators.push(operator);
  return operator;
}

function childProcess(leaseId: string, port: number): Subprocess {
  const child = spawn(['bun', 'cmd/tikv-operator.ts', 'run', ...runArgs(leaseId, port)], {
    cwd: repoRoot,
    stdout: 'ignore',
    stderr: 'ignore',
  });
  children.push(child);
  return child;
}

async function holder(leaseId: string): Promise<string | undefined> {
  const lease = await client.get<Lease>(kinds.Lease, leaseId, ns).catch(() => undefined);
  return lease?.spec?.holderIdentity || undefined;
}

async function readyz(port: number): Promise<{ status: number; body: string } | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`);
    return { status: res.status, body: await res.text() };
  } catch {
    return undefined;
  }
}

describe('leader election on a real apiserver', () => {
  test('one operator leads; a graceful stop hands the Lease to the standby at once', async () => {
    const [portA, portB] = await freePorts(2);
    const a = inProcess('graceful', portA!);
    await a.started;
    await waitFor(async () => a.manager.isLeader(), { timeoutMs: 30_000, what: 'operator A to lead' });
    const leaderA = await holder('graceful');
    expect(leaderA).toBeDefined();

    const b = childProcess('graceful', portB!);
    // The standby is ready (caches synced) but does not hold the Lease.
    const standby = await waitFor(async () => (await readyz(portB!))?.status === 200 && readyz(portB!), {
      timeoutMs: 60_000,
      what: 'operator B to report ready',
    });
    expect(standby?.body).toContain('standby');
    expect(await holder('graceful')).toBe(leaderA);

    // A releases the Lease on stop, so B acquires it within a retry period (2 s), not a lease duration (15 s).
    const stoppedAt = Date.now();
    await a.stop();
    const leaderB = await waitFor(
      async () => {
        const h = await holder('graceful');
        return h !== undefined && h !== leaderA && h;
      },
      { timeoutMs: 30_000, what: 'operator B to take the Lease' },
    );
    expect(leaderB).not.toBe(leaderA);
    const body = await waitFor(async () => (await readyz(portB!))?.body.includes('leading') && readyz(portB!), {
      timeoutMs: 10_000,
      what: 'operator B to report leading',
    });
    expect(body?.status).toBe(200);
    // Reported, not asserted on: the handover must not have waited for the 15 s lease to expire.
    console.info(`graceful handover took ${Date.now() - stoppedAt} ms`);

    b.kill('SIGTERM');
    expect(await b.exited).toBe(0);
    // B released on SIGTERM too: nobody holds the Lease now.
    expect(await holder('graceful')).toBeUndefined();
  }, 120_000);

  test('a killed leader (no release) is replaced once its lease expires', async () => {
    const [portA, portB] = await freePorts(2);
    const b = childProcess('killed', portB!);
    const leaderB = await waitFor(async () => (await readyz(portB!))?.body.includes('leading') && holder('killed'), {
      timeoutMs: 60_000,
      what: 'operator B (child process) to lead',
    });
    expect(leaderB).toBeTruthy();

    const a = inProcess('killed', portA!);
    await a.started;
    expect(a.manager.isLeader()).toBe(false);

    b.kill('SIGKILL');
    await b.exited;
    // The Lease still names B until it expires; then A takes over and bumps leaseTransitions.
    expect(await holder('killed')).toBe(leaderB as string);
    await waitFor(async () => a.manager.isLeader(), { timeoutMs: 45_000, what: 'operator A to take over' });
    const lease = await client.get<Lease>(kinds.Lease, 'killed', ns);
    expect(lease.spec?.holderIdentity).not.toBe(leaderB);
    expect(lease.spec?.leaseTransitions).toBeGreaterThanOrEqual(1);
    expect(a.manager.controllersRunning()).toBe(true);
  }, 120_000);
});
