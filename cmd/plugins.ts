// Which components the operator runs: the plugin registry, the controllers built from it, and the legacy
// TikvCluster API behind its feature gate. This file and the composition root are the only places allowed to
// import both core and plugins.
//
// PD and TiKV both talk to PD: one PD client factory (one client per PD URL, through the container's address
// resolver: the identity in a cluster, the simulator's mapping in dev, tests and the bench) and one set of PD
// state sources (one poller per PD cluster) are built per operator and handed to both plugins.
// tsyringe needs the metadata polyfill loaded first, also when this module is the first to import it.
import 'reflect-metadata';
import { type DependencyContainer, instanceCachingFactory } from 'tsyringe';
import type { KubeClient } from '../core/kube/client.ts';
import type { AddressResolver } from '../core/net/resolver.ts';
import type { EventRecorder } from '../core/observability/events.ts';
import type { Logger } from '../core/observability/log.ts';
import type { OperatorMetrics } from '../core/observability/metrics.ts';
import { PluginRegistry } from '../core/plugin/registry.ts';
import type { OperatorControllers } from '../core/reconcilers/setup.ts';
import type { Clock } from '../core/runtime/clock.ts';
import type { Controller } from '../core/runtime/controller.ts';
import type { Manager } from '../core/runtime/manager.ts';
import { LEGACY_API_FEATURE_GATE } from '../plugins/legacy/api.ts';
import { type LegacyApiDeps, setupLegacyApiController } from '../plugins/legacy/serve/controller.ts';
import { PdStateSources } from '../plugins/pd/client/data-plane-source.ts';
import { PdClientFactory } from '../plugins/pd/client/pd-client.ts';
import { createPdPlugin, type PdPluginOptions } from '../plugins/pd/plugin.ts';
import { createTikvPlugin, type TikvPluginOptions } from '../plugins/tikv/plugin.ts';
import { type ControllerSetup, tokens } from './operator/container.ts';
import { reconcilersSetup } from './operator/controllers.ts';
import type { RunOptions } from './operator/options.ts';

/** How the plugins reach PD: shared by the PD and the TiKV plugin. */
export interface PdConnection {
  pdClients: PdClientFactory;
  pdStates: PdStateSources;
}

/** Plugin settings besides the PD connection (tests on kwok shorten grace periods). */
export interface ComponentSettings {
  pd?: Omit<PdPluginOptions, 'pdClients' | 'pdStates'>;
  tikv?: Omit<TikvPluginOptions, 'pdClients' | 'pdStates'>;
}

export const pdTokens = {
  clients: Symbol('PdClientFactory'),
  states: Symbol('PdStateSources'),
} as const;

/** The container's PD connection, built on first use from its resolver, clock and logger: one per operator. */
export function pdConnection(c: DependencyContainer): PdConnection {
  if (!c.isRegistered(pdTokens.clients)) {
    c.register(pdTokens.clients, {
      useFactory: instanceCachingFactory(
        (c) =>
          new PdClientFactory({
            resolver: c.resolve<AddressResolver>(tokens.resolver),
            clock: c.resolve<Clock>(tokens.clock),
            logger: c.resolve<Logger>(tokens.logger).child({ component: 'pd-client' }),
          }),
      ),
    });
    c.register(pdTokens.states, {
      useFactory: instanceCachingFactory(
        (c) =>
          new PdStateSources({
            clients: c.resolve<PdClientFactory>(pdTokens.clients),
            clock: c.resolve<Clock>(tokens.clock),
            logger: c.resolve<Logger>(tokens.logger).child({ component: 'pd-state' }),
          }),
      ),
    });
  }
  return {
    pdClients: c.resolve<PdClientFactory>(pdTokens.clients),
    pdStates: c.resolve<PdStateSources>(pdTokens.states),
  };
}

/**
 * The component plugins of the operator binary, in a fresh registry, on one PD connection. Without one (tests
 * that only need the registry) they get their own, reaching PD at its in-cluster addresses.
 */
export function operatorPlugins(pd?: PdConnection, settings: ComponentSettings = {}): PluginRegistry {
  const connection = pd ?? standaloneConnection();
  return new PluginRegistry([
    createPdPlugin({ ...connection, ...settings.pd }),
    createTikvPlugin({ ...connection, ...settings.tikv }),
  ]);
}

function standaloneConnection(): PdConnection {
  const pdClients = new PdClientFactory();
  return { pdClients, pdStates: new PdStateSources({ clients: pdClients }) };
}

export interface BuiltComponents {
  controllers: OperatorControllers;
  registry: PluginRegistry;
  pd: PdConnection;
}

/** The reconcilers of every component plugin, on the container's PD connection. */
export function componentsSetup(
  settings: ComponentSettings = {},
  onBuilt?: (built: BuiltComponents) => void,
): ControllerSetup {
  return (c: DependencyContainer) => {
    const pd = pdConnection(c);
    const clock = c.resolve<Clock>(tokens.clock);
    const logger = c.resolve<Logger>(tokens.logger);
    const registry = operatorPlugins(pd, {
      ...settings,
      tikv: { clock, logger: logger.child({ component: 'tikv' }), ...settings.tikv },
    });
    reconcilersSetup(registry, (controllers) => onBuilt?.({ controllers, registry, pd }))(c);
  };
}

/**
 * The legacy TikvCluster API (plugins/legacy/serve), only with `--feature-gates LegacyTikvClusterAPI=true`;
 * `onBuilt` receives its controller (tests use it).
 */
export function legacyApiSetup(
  settings: Pick<LegacyApiDeps, 'recheckMs'> = {},
  onBuilt?: (controller: Controller) => void,
): ControllerSetup {
  return (c: DependencyContainer) => {
    const options = c.resolve<RunOptions>(tokens.options);
    if (!options.featureGates[LEGACY_API_FEATURE_GATE]) return;
    const logger = c.resolve<Logger>(tokens.logger);
    logger.info(`feature gate ${LEGACY_API_FEATURE_GATE} is on: TikvClusters get their conversion status`);
    const controller = setupLegacyApiController(c.resolve<Manager>(tokens.manager), {
      client: c.resolve<KubeClient>(tokens.kubeClient),
      events: c.resolve<EventRecorder>(tokens.events),
      clock: c.resolve<Clock>(tokens.clock),
      logger,
      namespace: options.namespace,
      workers: options.workers,
      metrics: c.resolve<OperatorMetrics>(tokens.metrics),
      ...settings,
    });
    onBuilt?.(controller);
  };
}

export const controllerSetups: readonly ControllerSetup[] = [componentsSetup(), legacyApiSetup()];
