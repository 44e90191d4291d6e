// Which components the operator runs: the plugin registry, and the controllers built from it. This file and the
// composition root are the only places allowed to import both core and plugins. PD and TiKV register here once
// their plugins exist; until then the operator runs the cluster controller alone.
import { PluginRegistry } from '../core/plugin/registry.ts';
import type { ControllerSetup } from './operator/container.ts';
import { reconcilersSetup } from './operator/controllers.ts';

/** The component plugins of the operator binary, in a fresh registry. */
export function operatorPlugins(): PluginRegistry {
  return new PluginRegistry([]);
}

export const controllerSetups: readonly ControllerSetup[] = [reconcilersSetup(operatorPlugins())];
