import { expect, test } from 'bun:test';
import { join } from 'node:path';
import { createLogger } from '../observability/log.ts';
import { OperatorMetrics } from '../observability/metrics.ts';
import { startHttpServer } from './server.ts';

test('serves the probes, metrics and bench routes on a real loopback port', async () => {
  const logLines: string[] = [];
  const server = startHttpServer({
    hostname: '127.0.0.1',
    port: 0,
    deps: {
      readiness: () => ({ ready: false, reason: 'caches not synced yet' }),
      metrics: new OperatorMetrics({ defaultMetrics: false }),
      benchResultsPath: join(import.meta.dir, 'no-such-dir', 'latest.json'),
    },
    logger: createLogger({ sink: (line) => logLines.push(line) }),
  });
  try {
    expect(server.port).toBeGreaterThan(0);
    const get = (path: string) => fetch(new URL(path, server.url));
    const health = await get('/healthz');
    expect([health.status, await health.text()]).toEqual([200, 'ok']);
    const ready = await get('/readyz');
    expect([ready.status, await ready.text()]).toEqual([503, 'caches not synced yet']);
    const metrics = await get('/metrics');
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('# TYPE workqueue_depth gauge');
    const bench = await get('/bench');
    expect(bench.status).toBe(404);
    await bench.body?.cancel();
    expect(JSON.parse(logLines[0] ?? '{}')).toMatchObject({ msg: 'http server listening', url: server.url });
  } finally {
    await server.stop();
  }
});
