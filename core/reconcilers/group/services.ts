// The group's Services: the headless peer Service `<group>-peer` that gives every instance a stable DNS name
// (it is the Pods' subdomain, and publishes not-ready addresses so members can find each other while they
// start), plus the Services the plugin asks for (PD's client Service). All select the group's Pods by the
// group's labels and are owned by the group.
import { peerServiceName } from '../../api/names.ts';
import type { KubeObject, OwnerReference } from '../../kube/object.ts';
import type { ComponentPort, RenderedService } from '../../plugin/contract.ts';

export interface ServiceObject extends KubeObject {
  spec?: Record<string, unknown>;
}

export interface GroupServicesInput {
  group: string;
  namespace: string;
  /** The group's labels: the Services carry them and select the Pods by them. */
  labels: Record<string, string>;
  owner: OwnerReference;
  ports: readonly ComponentPort[];
  /** From the plugin's `services()`. */
  extra: readonly RenderedService[];
}

function servicePorts(ports: readonly ComponentPort[]) {
  return ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.port, protocol: 'TCP' }));
}

/** The Services the group must have, peer Service first. */
export function groupServices(input: GroupServicesInput): ServiceObject[] {
  const metadata = (name: string) => ({
    name,
    namespace: input.namespace,
    labels: input.labels,
    ownerReferences: [input.owner],
  });
  const peer: ServiceObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(peerServiceName(input.group)),
    spec: {
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector: input.labels,
      ports: servicePorts(input.ports),
    },
  };
  const extra = input.extra.map(
    (s): ServiceObject => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: metadata(s.name),
      spec: {
        ...(s.clusterIP ? { clusterIP: s.clusterIP } : {}),
        selector: input.labels,
        ports: servicePorts(s.ports),
      },
    }),
  );
  return [peer, ...extra];
}
