// Starting and stopping whole control planes: nothing may be left behind, neither after stop() nor after a failed
// start.
import { expect, test } from 'bun:test';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControlPlane } from './control-plane.ts';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** PIDs of live processes whose command line mentions `text` (the control plane's directory). */
function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

test(
  'stop() ends every control-plane process and removes the directory',
  async () => {
    const cp = await startControlPlane({ nodes: 1, zones: ['zone-a'], crdDir: false });
    let pids: number[] = [];
    try {
      pids = cp.processes.map((p) => p.pid);
      expect(cp.processes.map((p) => p.name)).toEqual([
        'etcd',
        'kube-apiserver',
        'kube-controller-manager',
        'kube-scheduler',
        'kwok',
      ]);
      expect(pids.every(isAlive)).toBe(true);
    } finally {
      await cp.stop();
    }
    expect(pids.filter(isAlive)).toEqual([]);
    expect(processesMentioning(cp.dir)).toEqual([]);
    expect(existsSync(cp.dir)).toBe(false);
  },
  { timeout: 180_000 },
);

test(
  'a start that fails names the cause and leaves no process behind',
  async () => {
    const crdDir = await mkdtemp(join(tmpdir(), 'bad-crds-'));
    try {
      // Valid YAML, rejected by the apiserver: the plural does not match the name.
      await writeFile(
        join(crdDir, 'bad.yaml'),
        `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.org}
spec:
  group: example.org
  scope: Namespaced
  names: {plural: gadgets, kind: Gadget}
  versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}]
`,
      );
      const err = (await startControlPlane({ nodes: 1, zones: ['zone-a'], crdDir }).catch((e: unknown) => e)) as Error;
      expect(err).toBeInstanceOf(Error);
      expect(err.message).toContain('control plane failed to start');
      expect(err.message).toContain('widgets.example.org');
      const dir = /keep (\S+)\)/.exec(err.message)?.[1] ?? '';
      expect(dir).not.toBe('');
      expect(processesMentioning(dir)).toEqual([]);
      expect(existsSync(dir)).toBe(false);
    } finally {
      await rm(crdDir, { recursive: true, force: true });
    }
  },
  { timeout: 180_000 },
);
