// The generic reconcilers as a ControllerSetup: the cluster controller and, per plugin of the registry, the group
// and instance controllers, built from what the container holds. Tests pass their own registry (the sample
// plugin) to run the real composition root: `startOperator(options, [reconcilersSetup(registry)], overrides)`.
import type { DependencyContainer } from 'tsyringe';
import type { KubeClient } from '../../core/kube/client.ts';
import type { EventRecorder } from '../../core/observability/events.ts';
import type { Logger } from '../../core/observability/log.ts';
import type { OperatorMetrics } from '../../core/observability/metrics.ts';
import type { PluginRegistry } from '../../core/plugin/registry.ts';
import { type OperatorControllers, setupControllers } from '../../core/reconcilers/setup.ts';
import type { Clock } from '../../core/runtime/clock.ts';
import type { Manager } from '../../core/runtime/manager.ts';
import { type ControllerSetup, tokens } from './container.ts';
import type { RunOptions } from './options.ts';

/** Registers the reconcilers of `registry`'s plugins; `onBuilt` receives the controllers (tests use them). */
export function reconcilersSetup(
  registry: PluginRegistry,
  onBuilt?: (controllers: OperatorControllers) => void,
): ControllerSetup {
  return (c: DependencyContainer) => {
    const options = c.resolve<RunOptions>(tokens.options);
    const controllers = setupControllers(c.resolve<Manager>(tokens.manager), registry, {
      client: c.resolve<KubeClient>(tokens.kubeClient),
      events: c.resolve<EventRecorder>(tokens.events),
      clock: c.resolve<Clock>(tokens.clock),
      logger: c.resolve<Logger>(tokens.logger),
      namespace: options.namespace,
      workers: options.workers,
      lostNodeGracePeriodMs: options.lostNodeGracePeriodMs,
      metrics: c.resolve<OperatorMetrics>(tokens.metrics),
    });
    onBuilt?.(controllers);
  };
}
