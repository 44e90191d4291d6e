// Memory and CPU of one process, read from Linux's /proc the way `ps` and `top` do: resident set now (VmRSS),
// its peak over the process's life (VmHWM, kept by the kernel, so no short spike between two samples is
// missed), and user + system CPU time. The bench reads the operator's process this way, never its own.
import { readFileSync } from 'node:fs';

export interface ProcessUsage {
  rssBytes: number;
  /** Peak resident set since the process started (the kernel's high-water mark). */
  peakRssBytes: number;
  /** User + system CPU time consumed so far. */
  cpuSeconds: number;
}

/** VmRSS and VmHWM of /proc/<pid>/status, in bytes. */
export function parseStatus(text: string): { rssBytes: number; peakRssBytes: number } {
  const kib = (field: string): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s*kB`, 'm').exec(text);
    if (!match?.[1]) throw new Error(`/proc status has no ${field} line`);
    return Number(match[1]) * 1024;
  };
  return { rssBytes: kib('VmRSS'), peakRssBytes: kib('VmHWM') };
}

/**
 * utime + stime of /proc/<pid>/stat in seconds. The command name (field 2) is in parentheses and may contain
 * spaces and parentheses itself, so fields are counted from the last `)`.
 */
export function parseStatCpuSeconds(text: string, clockTicksPerSecond: number): number {
  const afterName = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // afterName[0] is field 3 (state); utime is field 14, stime field 15.
  const utime = Number(afterName[14 - 3]);
  const stime = Number(afterName[15 - 3]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error('/proc stat has no utime/stime');
  return (utime + stime) / clockTicksPerSecond;
}

/**
 * USER_HZ: 100 on every Linux architecture the bench runs on (the kernel fixes it for /proc whatever CONFIG_HZ
 * is); `getconf CLK_TCK` would tell otherwise.
 */
export const clockTicksPerSecond = 100;

/** Reads the usage of `pid`; throws when the process is gone or /proc is not there (not Linux). */
export function readProcessUsage(pid: number): ProcessUsage {
  const status = parseStatus(readFileSync(`/proc/${pid}/status`, 'utf8'));
  const cpuSeconds = parseStatCpuSeconds(readFileSync(`/proc/${pid}/stat`, 'utf8'), clockTicksPerSecond);
  return { ...status, cpuSeconds };
}
