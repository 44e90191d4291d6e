import { expect, test } from 'bun:test';
import { renderPdPod } from './pod.ts';
import { pdInstance } from './testing.ts';

test('the PD container: image from the version, config file, client and peer ports, TCP readiness on the client port', () => {
  const pod = renderPdPod(pdInstance('pd-0'));
  expect(pod.configMountPath).toBe('/etc/pd');
  expect(pod.container).toMatchObject({
    name: 'pd',
    image: 'pingcap/pd:v8.5.0',
    command: ['/pd-server', '--config', '/etc/pd/pd.toml'],
    ports: [
      { name: 'client', containerPort: 2379, protocol: 'TCP' },
      { name: 'peer', containerPort: 2380, protocol: 'TCP' },
    ],
    readinessProbe: { tcpSocket: { port: 2379 } },
  });
  expect(pod.container.resources).toBeUndefined();
  expect(pod.terminationGracePeriodSeconds).toBeUndefined();
});

test('an explicit image wins; resources become requests and limits; the grace period is passed on', () => {
  const pod = renderPdPod(
    pdInstance('pd-0', {
      spec: { image: 'registry.local/pd:patched', resources: { cpu: '2', memory: '4Gi' } } as never,
    }),
    { terminationGracePeriodSeconds: 5 },
  );
  expect(pod.container.image).toBe('registry.local/pd:patched');
  expect(pod.container.resources).toEqual({
    requests: { cpu: '2', memory: '4Gi' },
    limits: { cpu: '2', memory: '4Gi' },
  });
  expect(pod.terminationGracePeriodSeconds).toBe(5);
});
