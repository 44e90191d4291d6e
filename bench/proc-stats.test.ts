import { describe, expect, test } from 'bun:test';
import { parseStatCpuSeconds, parseStatus, readProcessUsage } from './proc-stats.ts';

describe('process usage from /proc', () => {
  test('resident and peak memory come from VmRSS and VmHWM in bytes', () => {
    const status = 'Name:\tbun\nVmPeak:\t  900000 kB\nVmHWM:\t   81234 kB\nVmRSS:\t   80000 kB\nThreads:\t9\n';
    expect(parseStatus(status)).toEqual({ rssBytes: 80000 * 1024, peakRssBytes: 81234 * 1024 });
  });

  test('CPU time is utime + stime, counted after a command name with spaces and parentheses', () => {
    const stat = '4242 (bun (worker) x) S 1 4242 4242 0 -1 4194304 98 0 0 0 250 75 3 4 20 0 9 0 353142 0 0';
    expect(parseStatCpuSeconds(stat, 100)).toBe(3.25);
  });

  test('a status without the memory lines is an error, not a zero', () => {
    expect(() => parseStatus('Name:\tkthreadd\n')).toThrow(/no VmRSS/);
  });

  test('reads this very process', () => {
    const usage = readProcessUsage(process.pid);
    expect(usage.rssBytes).toBeGreaterThan(0);
    expect(usage.peakRssBytes).toBeGreaterThanOrEqual(usage.rssBytes);
    expect(usage.cpuSeconds).toBeGreaterThan(0);
  });
});
