// The operator's HTTP surface: probes for the kubelet, metrics for Prometheus, and the latest bench results
// for people. Built as a plain hono app so tests (and Deno) call it with `app.request()` without a socket.
import { readFile } from 'node:fs/promises';
import { Hono } from 'hono';
import { type Logger, silentLogger } from '../observability/log.ts';
import type { Readiness } from './readiness.ts';

/** What /metrics needs; OperatorMetrics (core/observability/metrics.ts) satisfies it. */
export interface MetricsSource {
  readonly contentType: string;
  exposition(): Promise<string>;
}

export interface HttpAppDeps {
  /** Asked on every /readyz request; `decideReadiness` (readiness.ts) computes it from the manager state. */
  readiness: () => Readiness | Promise<Readiness>;
  /**
   * Optional extra liveness check for /healthz, for a component that can wedge without blocking the event
   * loop. Without it, /healthz is 200 whenever the process is able to answer at all.
   */
  liveness?: () => Readiness | Promise<Readiness>;
  metrics: MetricsSource;
  /** JSON file with the latest bench results (for example bench/results/latest.json); read on each request. */
  benchResultsPath: string;
  logger?: Logger;
}

export const noBenchResultsMessage = 'no bench results yet: run `bun run bench`';

function isFileMissing(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export function createHttpApp(deps: HttpAppDeps): Hono {
  const logger = (deps.logger ?? silentLogger()).child({ component: 'http' });
  const app = new Hono();
  const plain = { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' };
  const json = { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' };

  app.get('/healthz', async (c) => {
    const live = deps.liveness ? await deps.liveness() : { ready: true, reason: 'ok' };
    return c.body(live.reason, live.ready ? 200 : 503, plain);
  });

  app.get('/readyz', async (c) => {
    const { ready, reason } = await deps.readiness();
    return c.body(reason, ready ? 200 : 503, plain);
  });

  app.get('/metrics', async (c) => {
    const text = await deps.metrics.exposition();
    return c.body(text, 200, { 'Content-Type': deps.metrics.contentType, 'Cache-Control': 'no-store' });
  });

  app.get('/bench', async (c) => {
    let text: string;
    try {
      text = await readFile(deps.benchResultsPath, 'utf8');
    } catch (err) {
      if (isFileMissing(err)) {
        return c.body(JSON.stringify({ error: noBenchResultsMessage, path: deps.benchResultsPath }), 404, json);
      }
      throw err;
    }
    try {
      JSON.parse(text);
    } catch (err) {
      const error = `bench results at ${deps.benchResultsPath} are not valid JSON (${(err as Error).message}): run \`bun run bench\` again`;
      return c.body(JSON.stringify({ error, path: deps.benchResultsPath }), 500, json);
    }
    return c.body(text, 200, json);
  });

  app.onError((err, c) => {
    logger.error('http handler failed', { path: c.req.path, err });
    return c.body(`internal error: ${err.message}`, 500, plain);
  });

  return app;
}
