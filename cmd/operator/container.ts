// The composition root: the only place where core pieces and plugins are wired together (tsyringe, factory
// registrations only, so the same code runs on Bun and Deno without decorator metadata). Everything below
// `core/` receives its collaborators through constructors.
import 'reflect-metadata';
import { hostname } from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import { type DependencyContainer, instanceCachingFactory, container as rootContainer } from 'tsyringe';
import { SharedInformerFactory } from '../../core/cache/factory.ts';
import type { KubeClient } from '../../core/kube/client.ts';
import { loadKubeConfig } from '../../core/kube/config.ts';
import { RestKubeClient } from '../../core/kube/rest-client.ts';
import { type AddressResolver, identityResolver } from '../../core/net/resolver.ts';
import { KubeEventRecorder } from '../../core/observability/events.ts';
import { createLogger, type Logger } from '../../core/observability/log.ts';
import { OperatorMetrics } from '../../core/observability/metrics.ts';
import { type Clock, realClock } from '../../core/runtime/clock.ts';
import { Manager } from '../../core/runtime/manager.ts';
import type { RunOptions } from './options.ts';

export const tokens = {
  options: Symbol('RunOptions'),
  identity: Symbol('identity'),
  clock: Symbol('Clock'),
  logger: Symbol('Logger'),
  metrics: Symbol('OperatorMetrics'),
  kubeConfig: Symbol('KubeConfig'),
  kubeNamespace: Symbol('kubeNamespace'),
  kubeClient: Symbol('KubeClient'),
  informers: Symbol('SharedInformerFactory'),
  events: Symbol('EventRecorder'),
  manager: Symbol('Manager'),
  /** How data-plane URLs (PD) are reached: identity in a cluster, the simulator's mapping in dev/test/bench. */
  resolver: Symbol('AddressResolver'),
} as const;

/** Registers a controller with the manager; plugins and the generic reconcilers contribute these. */
export type ControllerSetup = (c: DependencyContainer) => void;

export interface ContainerOverrides {
  kubeConfig?: KubeConfig;
  clock?: Clock;
  logger?: Logger;
  resolver?: AddressResolver;
}

/** A child container per operator instance, so tests can run several operators in one process. */
export function buildContainer(options: RunOptions, overrides: ContainerOverrides = {}): DependencyContainer {
  const c = rootContainer.createChildContainer();
  const loaded = overrides.kubeConfig
    ? { kubeConfig: overrides.kubeConfig, namespace: undefined }
    : loadKubeConfig({ path: options.kubeconfig, context: options.context });

  c.register(tokens.options, { useValue: options });
  c.register(tokens.identity, { useValue: `${hostname()}_${crypto.randomUUID().slice(0, 8)}` });
  c.register(tokens.clock, { useValue: overrides.clock ?? realClock });
  c.register(tokens.logger, {
    useValue: overrides.logger ?? createLogger({ level: options.logLevel, format: options.logFormat }),
  });
  c.register(tokens.kubeConfig, { useValue: loaded.kubeConfig });
  c.register(tokens.resolver, { useValue: overrides.resolver ?? identityResolver });
  // A factory, not useValue: tsyringe takes `{ useValue: undefined }` for a class provider and fails to resolve it.
  c.register(tokens.kubeNamespace, { useFactory: () => loaded.namespace });
  c.register(tokens.metrics, { useFactory: instanceCachingFactory(() => new OperatorMetrics()) });
  c.register(tokens.kubeClient, {
    useFactory: instanceCachingFactory(
      (c) =>
        new RestKubeClient(c.resolve<KubeConfig>(tokens.kubeConfig), {
          onRequest: c.resolve<OperatorMetrics>(tokens.metrics).apiRequestObserver(),
        }),
    ),
  });
  c.register(tokens.informers, {
    useFactory: instanceCachingFactory((c) => {
      const metrics = c.resolve<OperatorMetrics>(tokens.metrics);
      return new SharedInformerFactory(c.resolve<KubeClient>(tokens.kubeClient), {
        clock: c.resolve<Clock>(tokens.clock),
        metricsFor: (kind) => metrics.informerObserver(kind.plural),
      });
    }),
  });
  c.register(tokens.events, {
    useFactory: instanceCachingFactory(
      (c) =>
        new KubeEventRecorder({
          client: c.resolve<KubeClient>(tokens.kubeClient),
          reportingInstance: c.resolve<string>(tokens.identity),
          logger: c.resolve<Logger>(tokens.logger),
          clock: c.resolve<Clock>(tokens.clock),
        }),
    ),
  });
  c.register(tokens.manager, {
    useFactory: instanceCachingFactory((c) => {
      const opts = c.resolve<RunOptions>(tokens.options);
      const informers = c.resolve<SharedInformerFactory>(tokens.informers);
      const metrics = c.resolve<OperatorMetrics>(tokens.metrics);
      const leaseNamespace =
        opts.leaderElectionNamespace ?? c.resolve<string | undefined>(tokens.kubeNamespace) ?? 'default';
      return new Manager({
        informerFactory: (kind, scope) => informers.informerFor(kind, scope),
        clock: c.resolve<Clock>(tokens.clock),
        logger: c.resolve<Logger>(tokens.logger),
        ...(opts.leaderElect
          ? {
              leaderElection: {
                client: c.resolve<KubeClient>(tokens.kubeClient),
                namespace: leaseNamespace,
                name: opts.leaderElectionId,
                identity: c.resolve<string>(tokens.identity),
                observer: metrics.leaderElectionObserver(opts.leaderElectionId),
              },
            }
          : {}),
      });
    }),
  });
  return c;
}
