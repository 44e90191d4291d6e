import { afterEach, expect, test } from 'bun:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './api.ts';
import { ProcessSupervisor } from './processes.ts';

const dirs: string[] = [];
const supervisors: ProcessSupervisor[] = [];

async function supervisor(): Promise<{ sup: ProcessSupervisor; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'supervisor-test-'));
  dirs.push(dir);
  const sup = new ProcessSupervisor(dir);
  supervisors.push(sup);
  return { sup, dir };
}

afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((s) => s.stop(1_000)));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('stop() ends every child, SIGKILLing those that ignore SIGTERM', async () => {
  const { sup } = await supervisor();
  const polite = sup.start('polite', ['sleep', '1000']);
  const stubborn = sup.start('stubborn', ['bash', '-c', 'trap "" TERM; while :; do sleep 0.1; done']);
  await Bun.sleep(200); // let bash install its trap
  await sup.stop(500);
  expect(polite.exitCode()).toBe(128 + 15);
  expect(stubborn.exitCode()).toBe(128 + 9);
  expect(isAlive(polite.pid) || isAlive(stubborn.pid)).toBe(false);
});

test("a child's output goes to its log file, and a dead child is reported with the tail of its log", async () => {
  const { sup, dir } = await supervisor();
  const child = sup.start('failing', ['sh', '-c', 'echo starting; echo "bad flag --x" >&2; exit 3']);
  expect(child.logPath).toBe(join(dir, 'logs', 'failing.log'));
  expect(await child.exited).toBe(3);
  expect(() => sup.assertAllRunning()).toThrow(/failing exited with code 3[\s\S]*starting\nbad flag --x/);
});

test('no child outlives a harness process that is killed, or terminated by a signal', async () => {
  for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
    const dir = await mkdtemp(join(tmpdir(), 'supervisor-parent-'));
    dirs.push(dir);
    const script = `
      import { ProcessSupervisor } from ${JSON.stringify(join(import.meta.dir, 'processes.ts'))};
      const sup = new ProcessSupervisor(${JSON.stringify(dir)});
      console.log(sup.start('sleeper', ['sleep', '1000']).pid);
      setInterval(() => {}, 1000);
    `;
    const parent = Bun.spawn([process.execPath, '-e', script], { stdout: 'pipe', stderr: 'inherit' });
    const reader = parent.stdout.getReader();
    const { value } = await reader.read();
    const childPid = Number(new TextDecoder().decode(value).trim());
    expect(isAlive(childPid)).toBe(true);

    parent.kill(signal);
    await parent.exited;
    // SIGTERM: the signal hook stops the children; SIGKILL: the watchdog notices within a second or two.
    await waitFor(async () => !isAlive(childPid), { timeoutMs: 10_000, what: `child to die after ${signal}` });
  }
}, 30_000);
