import { expect, test } from 'bun:test';
import { groupServices } from './services.ts';

const owner = { apiVersion: 'core.tikv.org/v1alpha1', kind: 'SampleGroup', name: 'g', uid: 'u', controller: true };
const labels = { 'tikv.org/group': 'g' };

test('the peer Service is headless, publishes not-ready addresses and exposes the plugin ports', () => {
  const [peer] = groupServices({
    group: 'g',
    namespace: 'ns',
    labels,
    owner,
    ports: [{ name: 'client', port: 7000 }],
    extra: [],
  });
  expect(peer).toEqual({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'g-peer', namespace: 'ns', labels, ownerReferences: [owner] },
    spec: {
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector: labels,
      ports: [{ name: 'client', port: 7000, targetPort: 7000, protocol: 'TCP' }],
    },
  });
});

test("the plugin's Services select the same Pods; clusterIP only when it asks for headless", () => {
  const services = groupServices({
    group: 'g',
    namespace: 'ns',
    labels,
    owner,
    ports: [],
    extra: [
      { name: 'g-client', ports: [{ name: 'client', port: 2379 }] },
      { name: 'g-headless', ports: [], clusterIP: 'None' },
    ],
  });
  expect(services.map((s) => s.metadata.name)).toEqual(['g-peer', 'g-client', 'g-headless']);
  expect(services[1]?.spec).toEqual({
    selector: labels,
    ports: [{ name: 'client', port: 2379, targetPort: 2379, protocol: 'TCP' }],
  });
  expect(services[2]?.spec).toMatchObject({ clusterIP: 'None' });
});
