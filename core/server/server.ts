// Starts the HTTP app on a socket through the platform adapter (Bun.serve or Deno.serve).
import type { Logger } from '../observability/log.ts';
import { type RunningServer, serve } from '../platform/runtime.ts';
import { createHttpApp, type HttpAppDeps } from './app.ts';

export interface HttpServerOptions {
  /** `0.0.0.0` in a Pod (the kubelet probes the Pod IP), `127.0.0.1` for local runs and tests. */
  hostname: string;
  /** 0 picks a free port. */
  port: number;
  deps: HttpAppDeps;
  logger?: Logger;
}

export function startHttpServer(options: HttpServerOptions): RunningServer {
  const logger = options.logger ?? options.deps.logger;
  const app = createHttpApp({ ...options.deps, ...(logger ? { logger } : {}) });
  const server = serve({ hostname: options.hostname, port: options.port, fetch: app.fetch });
  logger?.info('http server listening', { url: server.url });
  return server;
}
