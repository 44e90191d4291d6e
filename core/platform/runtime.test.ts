import { describe, expect, test } from 'bun:test';
import { env, isBun, isDeno, onShutdownSignal, runtimeName, type ShutdownSignal, serve } from './runtime.ts';

describe('runtime adapter under Bun', () => {
  test('detects Bun and not Deno', () => {
    expect(isBun).toBe(true);
    expect(isDeno).toBe(false);
    expect(runtimeName).toBe('bun');
  });

  test('serves on a free loopback port and answers through the given fetch handler', async () => {
    const server = serve({
      hostname: '127.0.0.1',
      port: 0,
      fetch: (req) => new Response(`hello ${new URL(req.url).pathname}`),
    });
    try {
      expect(server.port).toBeGreaterThan(0);
      expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
      const res = await fetch(`${server.url}probe`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('hello /probe');
    } finally {
      await server.stop();
    }
  });

  test('a stopped server no longer accepts connections', async () => {
    const server = serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('ok') });
    const url = server.url;
    await fetch(url).then((res) => res.text());
    await server.stop();
    await expect(fetch(url)).rejects.toThrow();
  });

  test('delivers SIGTERM and SIGINT to the callback and unsubscribes cleanly', async () => {
    // Other test files (the control-plane harness) add and remove their own signal listeners concurrently, so
    // compare identities of listeners rather than counts.
    const before = { term: process.listeners('SIGTERM'), int: process.listeners('SIGINT') };
    const received: ShutdownSignal[] = [];
    let wake: () => void = () => {};
    const unsubscribe = onShutdownSignal((signal) => {
      received.push(signal);
      wake();
    });
    const ours = {
      term: process.listeners('SIGTERM').filter((l) => !before.term.includes(l)),
      int: process.listeners('SIGINT').filter((l) => !before.int.includes(l)),
    };
    expect(ours.term).toHaveLength(1);
    expect(ours.int).toHaveLength(1);
    try {
      for (const signal of ['SIGTERM', 'SIGINT'] as const) {
        const delivered = new Promise<void>((resolve) => {
          wake = resolve;
        });
        process.kill(process.pid, signal);
        await delivered;
      }
      expect(received).toEqual(['SIGTERM', 'SIGINT']);
    } finally {
      unsubscribe();
    }
    expect(process.listeners('SIGTERM')).not.toContain(ours.term[0]);
    expect(process.listeners('SIGINT')).not.toContain(ours.int[0]);
  });

  test('reads environment variables and reports unset ones as undefined', () => {
    process.env.TIKV_OPERATOR_RUNTIME_TEST = 'value-1';
    try {
      expect(env('TIKV_OPERATOR_RUNTIME_TEST')).toBe('value-1');
    } finally {
      delete process.env.TIKV_OPERATOR_RUNTIME_TEST;
    }
    expect(env('TIKV_OPERATOR_RUNTIME_TEST')).toBeUndefined();
  });
});
