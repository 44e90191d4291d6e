// PD's container: `/pd-server --config /etc/pd/pd.toml` (every address is in the config file), the client and
// peer ports, a TCP readiness probe on the client port (the operator's own health check adds PD's view: member
// health and /pd/api/v2/ready), and the template's resources as requests and limits.
import { resolveImage } from '../../core/api/template.ts';
import type { InstanceObject, RenderedPod } from '../../core/plugin/contract.ts';
import { PD_COMPONENT, PD_IMAGE_REPOSITORY } from './api.ts';
import { PD_CONFIG_DIRECTORY, PD_CONFIG_FILE } from './config.ts';
import { PD_CLIENT_PORT, PD_PEER_PORT } from './service.ts';

export interface PdPodOptions {
  /** `terminationGracePeriodSeconds`; the Pod default (30 s) when omitted. */
  terminationGracePeriodSeconds?: number | undefined;
}

export function renderPdPod(instance: InstanceObject, opts: PdPodOptions = {}): RenderedPod {
  const spec = instance.spec as InstanceObject['spec'] & { resources?: { cpu?: unknown; memory?: unknown } };
  const resources: Record<string, string> = {};
  if (spec.resources?.cpu !== undefined) resources.cpu = String(spec.resources.cpu);
  if (spec.resources?.memory !== undefined) resources.memory = String(spec.resources.memory);
  const container: RenderedPod['container'] = {
    name: PD_COMPONENT,
    image: resolveImage(spec, PD_IMAGE_REPOSITORY),
    imagePullPolicy: 'IfNotPresent',
    command: ['/pd-server', '--config', `${PD_CONFIG_DIRECTORY}/${PD_CONFIG_FILE}`],
    ports: [
      { name: PD_CLIENT_PORT.name, containerPort: PD_CLIENT_PORT.port, protocol: 'TCP' },
      { name: PD_PEER_PORT.name, containerPort: PD_PEER_PORT.port, protocol: 'TCP' },
    ],
    readinessProbe: {
      tcpSocket: { port: PD_CLIENT_PORT.port },
      initialDelaySeconds: 5,
      periodSeconds: 5,
      timeoutSeconds: 1,
      failureThreshold: 3,
    },
  };
  if (Object.keys(resources).length > 0) container.resources = { requests: resources, limits: resources };
  const out: RenderedPod = { container, configMountPath: PD_CONFIG_DIRECTORY };
  if (opts.terminationGracePeriodSeconds !== undefined) {
    out.terminationGracePeriodSeconds = opts.terminationGracePeriodSeconds;
  }
  return out;
}
