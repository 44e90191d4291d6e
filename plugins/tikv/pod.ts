// The TiKV-specific part of a store's Pod: the `tikv` container and its grace period. The core adds identity,
// volumes (the `data` PVC at the data directory, the config at /etc/tikv), labels, topology and the overlay.
import { resolveImage } from '../../core/api/template.ts';
import type { RenderedPod } from '../../core/plugin/contract.ts';
import { TIKV_COMPONENT, TIKV_IMAGE_REPOSITORY } from './api.ts';
import { TIKV_CLIENT_PORT, TIKV_CONFIG_DIRECTORY, TIKV_CONFIG_FILE, TIKV_STATUS_PORT } from './config.ts';

/**
 * The Pod's own grace period. Every deletion by the operator passes an explicit grace period (sized to the
 * store's regions), and Kubernetes can shorten a grace period after a delete started but never lengthen it
 * (kubernetes#83916). So the Pod carries the largest value, as tidb-operator v2 does: a deletion that is not the
 * operator's (a drain, `kubectl delete pod`) gives TiKV all the time it needs to shut down cleanly.
 */
export const TIKV_POD_GRACE_PERIOD_SECONDS = 65_535;

export interface TikvPodInput {
  version: string;
  image?: string | undefined;
  resources?: { cpu?: string | number | undefined; memory?: string | number | undefined } | undefined;
  /** Default TIKV_POD_GRACE_PERIOD_SECONDS. */
  terminationGracePeriodSeconds?: number;
}

export function renderTikvPod(spec: TikvPodInput): RenderedPod {
  const container: RenderedPod['container'] = {
    name: TIKV_COMPONENT,
    image: resolveImage(spec, TIKV_IMAGE_REPOSITORY),
    imagePullPolicy: 'IfNotPresent',
    command: ['/tikv-server', '--config', `${TIKV_CONFIG_DIRECTORY}/${TIKV_CONFIG_FILE}`],
    ports: [
      { name: TIKV_CLIENT_PORT.name, containerPort: TIKV_CLIENT_PORT.port },
      { name: TIKV_STATUS_PORT.name, containerPort: TIKV_STATUS_PORT.port },
    ],
  };
  const resources: Record<string, string> = {};
  if (spec.resources?.cpu !== undefined) resources.cpu = String(spec.resources.cpu);
  if (spec.resources?.memory !== undefined) resources.memory = String(spec.resources.memory);
  // Requests = limits: Guaranteed QoS, so a store is the last to be evicted under node pressure.
  if (Object.keys(resources).length > 0) container.resources = { requests: resources, limits: { ...resources } };
  return {
    container,
    configMountPath: TIKV_CONFIG_DIRECTORY,
    terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds ?? TIKV_POD_GRACE_PERIOD_SECONDS,
  };
}
