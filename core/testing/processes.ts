// Supervision of the control-plane child processes. Every child writes to its own log file; stop() sends SIGTERM,
// then SIGKILL after a grace period. Children must never outlive the harness: live supervisors are also stopped on
// process exit and on SIGINT/SIGTERM/SIGHUP, and a detached watchdog shell kills them if this process dies without
// running any handler (SIGKILL, crash).
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Subprocess } from 'bun';

export interface ManagedProcess {
  name: string;
  pid: number;
  logPath: string;
  /** Resolves with the exit code (or 128 + signal number) when the process ends. */
  exited: Promise<number>;
  /** Undefined while running. */
  exitCode(): number | undefined;
}

const watchdogScript = `
parent="$1"; dir="$2"
while kill -0 "$parent" 2>/dev/null; do sleep 1; done
for f in "$dir"/*.pid; do [ -f "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null; done
sleep 2
for f in "$dir"/*.pid; do [ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null; done
`;

export class ProcessSupervisor {
  private readonly children: { proc: ManagedProcess; sub: Subprocess }[] = [];
  private readonly pidDir: string;
  private readonly logDir: string;
  private watchdog: Subprocess | undefined;
  private stopping: Promise<void> | undefined;

  constructor(dir: string) {
    this.logDir = join(dir, 'logs');
    this.pidDir = join(dir, 'pids');
    mkdirSync(this.logDir, { recursive: true });
    mkdirSync(this.pidDir, { recursive: true });
    live.add(this);
    installExitHooks();
  }

  start(name: string, cmd: string[], opts: { env?: Record<string, string> } = {}): ManagedProcess {
    if (this.stopping) throw new Error(`cannot start ${name}: the control plane is stopping`);
    this.ensureWatchdog();
    const logPath = join(this.logDir, `${name}.log`);
    const fd = openSync(logPath, 'a');
    let sub: Subprocess;
    try {
      sub = Bun.spawn(cmd, {
        stdin: 'ignore',
        stdout: fd,
        stderr: fd,
        env: { ...process.env, ...opts.env },
      });
    } finally {
      closeSync(fd);
    }
    // Children must not keep the runner alive; the exit hook kills whatever is left.
    sub.unref();
    const pidFile = join(this.pidDir, `${name}.pid`);
    writeFileSync(pidFile, String(sub.pid));
    let code: number | undefined;
    const exited = sub.exited.then((c) => {
      code = c;
      rmSync(pidFile, { force: true });
      return c;
    });
    const proc: ManagedProcess = { name, pid: sub.pid, logPath, exited, exitCode: () => code };
    this.children.push({ proc, sub });
    return proc;
  }

  get processes(): readonly ManagedProcess[] {
    return this.children.map((c) => c.proc);
  }

  /** The last lines of a child's log, for error messages. */
  tail(name: string, lines = 30): string {
    const child = this.children.find((c) => c.proc.name === name);
    if (!child) return '';
    try {
      return readFileSync(child.proc.logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /** Throws with the log tail of the first child that has exited: a dead component explains most startup failures. */
  assertAllRunning(): void {
    for (const { proc } of this.children) {
      const code = proc.exitCode();
      if (code !== undefined) {
        throw new Error(
          `${proc.name} exited with code ${code}; last lines of ${proc.logPath}:\n${this.tail(proc.name)}`,
        );
      }
    }
  }

  /** SIGTERM to every child, SIGKILL to those still running after `graceMs`. Idempotent. */
  stop(graceMs = 5_000): Promise<void> {
    this.stopping ??= this.stopChildren(graceMs);
    return this.stopping;
  }

  private async stopChildren(graceMs: number): Promise<void> {
    const running = this.children.filter((c) => c.proc.exitCode() === undefined);
    for (const { sub } of running) signal(sub.pid, 'SIGTERM');
    const allExited = Promise.all(running.map((c) => c.proc.exited));
    const timedOut = await Promise.race([allExited.then(() => false), Bun.sleep(graceMs).then(() => true)]);
    if (timedOut) {
      for (const { sub, proc } of running) if (proc.exitCode() === undefined) signal(sub.pid, 'SIGKILL');
      await allExited;
    }
    this.killWatchdog();
    live.delete(this);
  }

  /** Synchronous last resort for the exit hook: no waiting is possible there. */
  killNow(): void {
    for (const { sub, proc } of this.children) if (proc.exitCode() === undefined) signal(sub.pid, 'SIGKILL');
    this.killWatchdog();
    live.delete(this);
  }

  private ensureWatchdog(): void {
    if (this.watchdog) return;
    this.watchdog = Bun.spawn(['sh', '-c', watchdogScript, 'watchdog', String(process.pid), this.pidDir], {
      stdio: ['ignore', 'ignore', 'ignore'],
      // Own process group, so that killing the group also takes its `sleep`.
      detached: true,
    });
    this.watchdog.unref();
  }

  private killWatchdog(): void {
    if (!this.watchdog) return;
    signal(-this.watchdog.pid, 'SIGKILL');
    this.watchdog = undefined;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

const live = new Set<ProcessSupervisor>();
let hooksInstalled = false;

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => {
    for (const s of [...live]) s.killNow();
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      process.off(sig, onSignal);
      void Promise.all([...live].map((s) => s.stop(2_000))).finally(() => {
        // Keep the default meaning of the signal (terminate) unless someone else handles it too.
        if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
      });
    };
    process.on(sig, onSignal);
  }
}
