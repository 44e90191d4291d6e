import { describe, expect, test } from 'bun:test';
import {
  configMapName,
  DNS_LABEL_MAX_LENGTH,
  instanceHost,
  MAX_GROUP_NAME_LENGTH,
  MAX_INSTANCE_NAME_LENGTH,
  MAX_ORDINAL,
  MAX_VOLUME_NAME_LENGTH,
  peerServiceName,
  podName,
  pvcName,
} from './names.ts';

const longest = (n: number) => `a${'b'.repeat(n - 1)}`;

describe('name limits', () => {
  const group = longest(MAX_GROUP_NAME_LENGTH);
  const instance = `${group}-${MAX_ORDINAL}`;
  const volume = longest(MAX_VOLUME_NAME_LENGTH);

  test('the longest instance name fits the instance limit', () => {
    expect(instance.length).toBe(MAX_INSTANCE_NAME_LENGTH);
  });

  test('every name derived from the longest names is a DNS label', () => {
    for (const name of [
      instance,
      podName(instance),
      configMapName(instance),
      peerServiceName(group),
      pvcName(volume, instance),
    ]) {
      expect(name.length).toBeLessThanOrEqual(DNS_LABEL_MAX_LENGTH);
      expect(name).toMatch(/^[a-z]([-a-z0-9]*[a-z0-9])?$/);
    }
  });

  test('the PVC of the longest volume and instance uses the whole label budget', () => {
    expect(pvcName(volume, instance).length).toBe(DNS_LABEL_MAX_LENGTH);
  });
});

describe('derived names', () => {
  test('follow the documented patterns', () => {
    expect(podName('basic-tikv-0')).toBe('basic-tikv-0');
    expect(configMapName('basic-tikv-0')).toBe('basic-tikv-0');
    expect(pvcName('data', 'basic-tikv-0')).toBe('data-basic-tikv-0');
    expect(peerServiceName('basic-tikv')).toBe('basic-tikv-peer');
    expect(instanceHost('basic-tikv-0', 'basic-tikv', 'prod')).toBe('basic-tikv-0.basic-tikv-peer.prod.svc');
  });
});
