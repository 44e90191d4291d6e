// `tikv-operator run`: wires the operator, serves /healthz /readyz /metrics /bench, starts the manager, and
// shuts down in order on SIGINT/SIGTERM (stop reporting ready, drain controllers, release the Lease, stop caches,
// flush events, close the HTTP server).
import type { DependencyContainer } from 'tsyringe';
import { type AddressFeedFollower, followAddressFeed } from '../../core/net/address-feed.ts';
import type { KubeEventRecorder } from '../../core/observability/events.ts';
import type { Logger } from '../../core/observability/log.ts';
import type { OperatorMetrics } from '../../core/observability/metrics.ts';
import { onShutdownSignal } from '../../core/platform/runtime.ts';
import type { Manager } from '../../core/runtime/manager.ts';
import { decideReadiness } from '../../core/server/readiness.ts';
import { startHttpServer } from '../../core/server/server.ts';
import { buildContainer, type ContainerOverrides, type ControllerSetup, tokens } from './container.ts';
import type { RunOptions } from './options.ts';

export interface RunningOperator {
  container: DependencyContainer;
  manager: Manager;
  /** Base URL of the HTTP endpoint. */
  url: string;
  /** Resolves once the caches are synced and controllers (or the election) are under way. */
  started: Promise<void>;
  stop(): Promise<void>;
}

export function startOperator(
  options: RunOptions,
  setups: readonly ControllerSetup[] = [],
  overrides: ContainerOverrides = {},
): RunningOperator {
  const c = buildContainer(options, overrides);
  for (const setup of setups) setup(c);
  const logger = c.resolve<Logger>(tokens.logger);
  const metrics = c.resolve<OperatorMetrics>(tokens.metrics);
  const manager = c.resolve<Manager>(tokens.manager);
  let shuttingDown = false;

  const server = startHttpServer({
    hostname: options.httpHost,
    port: options.httpPort,
    logger,
    deps: {
      metrics,
      benchResultsPath: options.benchResults,
      readiness: () =>
        decideReadiness({
          shuttingDown,
          cachesSynced: manager.isSynced(),
          role: !options.leaderElect ? 'election-disabled' : manager.isLeader() ? 'leading' : 'standby',
          controllersRunning: manager.controllersRunning(),
        }),
    },
  });

  const started = manager.start();
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      shuttingDown = true;
      await manager.stop();
      await c.resolve<KubeEventRecorder>(tokens.events).close();
      await server.stop();
      logger.info('operator stopped');
    })();
    return stopping;
  };
  return { container: c, manager, url: server.url, started, stop };
}

/** Runs until SIGINT/SIGTERM; resolves with the process exit code. */
export async function runOperator(options: RunOptions, setups: readonly ControllerSetup[]): Promise<number> {
  // Dev and bench only: the simulator's address mappings, followed before anything dials PD.
  const feed: AddressFeedFollower | undefined = options.devAddressFeed
    ? await followAddressFeed(options.devAddressFeed)
    : undefined;
  const started = startOperator(options, setups, feed ? { resolver: feed } : {});
  const operator = { ...started, stop: () => started.stop().finally(() => feed?.close()) };
  const logger = operator.container.resolve<Logger>(tokens.logger);
  const done = new Promise<number>((resolve) => {
    const unsubscribe = onShutdownSignal((signal) => {
      unsubscribe();
      logger.info('shutting down', { signal });
      operator.stop().then(
        () => resolve(0),
        (error: unknown) => {
          logger.error('shutdown failed', { error });
          resolve(1);
        },
      );
    });
  });
  try {
    await operator.started;
  } catch (error) {
    logger.error('operator failed to start', { error });
    await operator.stop();
    return 1;
  }
  return done;
}
