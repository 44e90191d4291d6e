import { describe, expect, test } from 'bun:test';
import { renderTikvPod } from './pod.ts';

describe('renderTikvPod', () => {
  test('runs tikv-server with the rendered config, on the client and status ports', () => {
    expect(renderTikvPod({ version: 'v8.5.0' })).toEqual({
      container: {
        name: 'tikv',
        image: 'pingcap/tikv:v8.5.0',
        imagePullPolicy: 'IfNotPresent',
        command: ['/tikv-server', '--config', '/etc/tikv/config.toml'],
        ports: [
          { name: 'client', containerPort: 20160 },
          { name: 'status', containerPort: 20180 },
        ],
      },
      configMountPath: '/etc/tikv',
      terminationGracePeriodSeconds: 65_535,
    });
  });

  test('an explicit image wins over the version; a version without v gets one', () => {
    expect(renderTikvPod({ version: '8.5.0', image: 'registry/tikv:custom' }).container.image).toBe(
      'registry/tikv:custom',
    );
    expect(renderTikvPod({ version: '8.5.0' }).container.image).toBe('pingcap/tikv:v8.5.0');
  });

  test('resources are both requests and limits', () => {
    expect(renderTikvPod({ version: 'v8.5.0', resources: { cpu: 4, memory: '16Gi' } }).container.resources).toEqual({
      requests: { cpu: '4', memory: '16Gi' },
      limits: { cpu: '4', memory: '16Gi' },
    });
    expect(renderTikvPod({ version: 'v8.5.0', resources: {} }).container.resources).toBeUndefined();
  });

  test('the Pod grace period can be configured (tests on kwok wait it out)', () => {
    expect(renderTikvPod({ version: 'v8.5.0', terminationGracePeriodSeconds: 5 }).terminationGracePeriodSeconds).toBe(
      5,
    );
  });
});
