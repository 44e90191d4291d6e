// Which controllers the operator runs: the generic reconcilers and the component plugins register theirs here.
// This file and the composition root are the only places allowed to import both core and plugins.
import type { ControllerSetup } from './operator/container.ts';

export const controllerSetups: readonly ControllerSetup[] = [];
