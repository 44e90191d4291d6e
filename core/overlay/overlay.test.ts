import { describe, expect, test } from 'bun:test';
import type { KubeObject } from '../kube/object.ts';
import { mergeOverlay, OverlayError } from './merge.ts';
import { type ObjectOverlay, overlayPod, overlayVolumeClaim, podMergeRules } from './overlay.ts';

interface Pod extends KubeObject {
  spec: Record<string, unknown>;
}

function pod(spec: Record<string, unknown>, labels: Record<string, string> = {}): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'kv-0', labels }, spec };
}

/** Merges a spec overlay into a spec, by the Pod rules. */
function specOf(base: Record<string, unknown>, overlay: Record<string, unknown>): unknown {
  return overlayPod(pod(base), { spec: overlay }).spec;
}

describe('overlay merge rules (the documented examples)', () => {
  test.each<[string, Record<string, unknown>, Record<string, unknown>, Record<string, unknown>]>([
    [
      '1. maps merge key by key',
      { nodeSelector: { zone: 'a' } },
      { nodeSelector: { disk: 'ssd' } },
      { nodeSelector: { zone: 'a', disk: 'ssd' } },
    ],
    [
      '1. keys the overlay does not mention are kept',
      { hostNetwork: true, dnsPolicy: 'ClusterFirst' },
      { dnsPolicy: 'Default' },
      { hostNetwork: true, dnsPolicy: 'Default' },
    ],
    ['2. false wins', { enableServiceLinks: true }, { enableServiceLinks: false }, { enableServiceLinks: false }],
    [
      '2. 0 wins',
      { terminationGracePeriodSeconds: 30 },
      { terminationGracePeriodSeconds: 0 },
      { terminationGracePeriodSeconds: 0 },
    ],
    ['2. "" wins', { priorityClassName: 'high' }, { priorityClassName: '' }, { priorityClassName: '' }],
    [
      '3. null deletes a key',
      { containers: [{ name: 'tikv', resources: { limits: { cpu: '2', memory: '4Gi' } } }] },
      { containers: [{ name: 'tikv', resources: { limits: { cpu: null } } }] },
      { containers: [{ name: 'tikv', resources: { limits: { memory: '4Gi' } } }] },
    ],
    ['3. null on a missing key changes nothing', { hostNetwork: true }, { hostPID: null }, { hostNetwork: true }],
    [
      '4. containers by name, env by name, nested',
      { containers: [{ name: 'tikv', env: [{ name: 'A', value: '1' }] }] },
      {
        containers: [
          { name: 'tikv', env: [{ name: 'B', value: '2' }] },
          { name: 'sidecar', image: 'x' },
        ],
      },
      {
        containers: [
          {
            name: 'tikv',
            env: [
              { name: 'A', value: '1' },
              { name: 'B', value: '2' },
            ],
          },
          { name: 'sidecar', image: 'x' },
        ],
      },
    ],
    [
      '4. an env var with the same name is merged, in place',
      {
        containers: [
          {
            name: 'tikv',
            env: [
              { name: 'A', value: '1' },
              { name: 'B', value: '2' },
            ],
          },
        ],
      },
      { containers: [{ name: 'tikv', env: [{ name: 'A', value: '' }] }] },
      {
        containers: [
          {
            name: 'tikv',
            env: [
              { name: 'A', value: '' },
              { name: 'B', value: '2' },
            ],
          },
        ],
      },
    ],
    [
      '4. initContainers by name',
      { initContainers: [{ name: 'init', image: 'a' }] },
      { initContainers: [{ name: 'init', image: 'b' }] },
      { initContainers: [{ name: 'init', image: 'b' }] },
    ],
    [
      '4. volumes by name',
      { volumes: [{ name: 'config', configMap: { name: 'kv-0' } }] },
      { volumes: [{ name: 'scratch', emptyDir: {} }] },
      {
        volumes: [
          { name: 'config', configMap: { name: 'kv-0' } },
          { name: 'scratch', emptyDir: {} },
        ],
      },
    ],
    [
      '4. volumeMounts by mountPath',
      { containers: [{ name: 'tikv', volumeMounts: [{ name: 'data', mountPath: '/var/lib/tikv' }] }] },
      {
        containers: [{ name: 'tikv', volumeMounts: [{ mountPath: '/var/lib/tikv', readOnly: false, subPath: 'db' }] }],
      },
      {
        containers: [
          {
            name: 'tikv',
            volumeMounts: [{ name: 'data', mountPath: '/var/lib/tikv', readOnly: false, subPath: 'db' }],
          },
        ],
      },
    ],
    [
      '4. ports by containerPort and protocol, TCP by default',
      { containers: [{ name: 'tikv', ports: [{ containerPort: 20160, name: 'client' }] }] },
      {
        containers: [
          {
            name: 'tikv',
            ports: [
              { containerPort: 20160, protocol: 'TCP', hostPort: 20160 },
              { containerPort: 20160, protocol: 'UDP', name: 'udp' },
            ],
          },
        ],
      },
      {
        containers: [
          {
            name: 'tikv',
            ports: [
              { containerPort: 20160, name: 'client', protocol: 'TCP', hostPort: 20160 },
              { containerPort: 20160, protocol: 'UDP', name: 'udp' },
            ],
          },
        ],
      },
    ],
    [
      '4. topologySpreadConstraints by topologyKey and whenUnsatisfiable',
      { topologySpreadConstraints: [{ topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', maxSkew: 1 }] },
      {
        topologySpreadConstraints: [
          { topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', maxSkew: 2 },
          { topologyKey: 'zone', whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 1 },
        ],
      },
      {
        topologySpreadConstraints: [
          { topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', maxSkew: 2 },
          { topologyKey: 'zone', whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 1 },
        ],
      },
    ],
    [
      '4. imagePullSecrets by name, hostAliases by ip',
      { imagePullSecrets: [{ name: 'a' }], hostAliases: [{ ip: '10.0.0.1', hostnames: ['x'] }] },
      { imagePullSecrets: [{ name: 'b' }], hostAliases: [{ ip: '10.0.0.1', hostnames: ['y'] }] },
      { imagePullSecrets: [{ name: 'a' }, { name: 'b' }], hostAliases: [{ ip: '10.0.0.1', hostnames: ['y'] }] },
    ],
    [
      '4. $patch: delete removes a keyed item',
      {
        containers: [
          {
            name: 'tikv',
            env: [
              { name: 'A', value: '1' },
              { name: 'B', value: '2' },
            ],
          },
        ],
      },
      { containers: [{ name: 'tikv', env: [{ name: 'A', $patch: 'delete' }] }] },
      { containers: [{ name: 'tikv', env: [{ name: 'B', value: '2' }] }] },
    ],
    [
      '5. tolerations are atomic: replaced whole',
      { tolerations: [{ key: 'a', operator: 'Exists' }] },
      { tolerations: [{ key: 'b', operator: 'Exists' }] },
      { tolerations: [{ key: 'b', operator: 'Exists' }] },
    ],
    [
      '5. command and args are atomic',
      { containers: [{ name: 'tikv', command: ['/tikv-server'], args: ['--config', 'a'] }] },
      { containers: [{ name: 'tikv', args: ['--config', 'b'] }] },
      { containers: [{ name: 'tikv', command: ['/tikv-server'], args: ['--config', 'b'] }] },
    ],
    ['5. [] empties an atomic list', { tolerations: [{ key: 'a' }] }, { tolerations: [] }, { tolerations: [] }],
    [
      '5. [] on a keyed list changes nothing',
      { volumes: [{ name: 'a', emptyDir: {} }] },
      { volumes: [] },
      { volumes: [{ name: 'a', emptyDir: {} }] },
    ],
    ['5. null removes a whole keyed list', { imagePullSecrets: [{ name: 'a' }] }, { imagePullSecrets: null }, {}],
    [
      '6. a probe handler replaces the rendered one, other probe fields stay',
      { containers: [{ name: 'pd', readinessProbe: { tcpSocket: { port: 2379 }, periodSeconds: 10 } }] },
      { containers: [{ name: 'pd', readinessProbe: { httpGet: { path: '/ready', port: 2379 } } }] },
      { containers: [{ name: 'pd', readinessProbe: { httpGet: { path: '/ready', port: 2379 }, periodSeconds: 10 } }] },
    ],
    [
      '6. env valueFrom replaces value',
      { containers: [{ name: 'tikv', env: [{ name: 'A', value: '1' }] }] },
      { containers: [{ name: 'tikv', env: [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] }] },
      { containers: [{ name: 'tikv', env: [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] }] },
    ],
    [
      '6. a volume source replaces the rendered source',
      { volumes: [{ name: 'data', emptyDir: {} }] },
      { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data-kv-0' } }] },
      { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data-kv-0' } }] },
    ],
    [
      '6. a preStop hook handler replaces the rendered one',
      { containers: [{ name: 'tikv', lifecycle: { preStop: { exec: { command: ['a'] } } } }] },
      { containers: [{ name: 'tikv', lifecycle: { preStop: { sleep: { seconds: 5 } } } }] },
      { containers: [{ name: 'tikv', lifecycle: { preStop: { sleep: { seconds: 5 } } } }] },
    ],
    [
      'nested objects merge recursively (securityContext)',
      { securityContext: { runAsUser: 1000, fsGroup: 1000 } },
      { securityContext: { runAsNonRoot: true, fsGroup: 0 } },
      { securityContext: { runAsUser: 1000, fsGroup: 0, runAsNonRoot: true } },
    ],
    [
      'nulls inside a new item are dropped',
      { containers: [{ name: 'tikv' }] },
      { containers: [{ name: 'sidecar', image: 'x', command: null }] },
      { containers: [{ name: 'tikv' }, { name: 'sidecar', image: 'x' }] },
    ],
  ])('%s', (_name, base, overlay, expected) => {
    expect(specOf(base, overlay)).toEqual(expected);
  });
});

describe('overlayPod', () => {
  const rendered = pod(
    { containers: [{ name: 'tikv', image: 'tikv:v8.5.0' }] },
    { 'tikv.org/instance': 'kv-0', team: 'a' },
  );

  test('labels and annotations merge key by key; null removes one', () => {
    const result = overlayPod(rendered, {
      metadata: { labels: { team: null, tier: 'storage' }, annotations: { 'example.com/x': '1' } },
    });
    expect(result.metadata.labels).toEqual({ 'tikv.org/instance': 'kv-0', tier: 'storage' });
    expect(result.metadata.annotations).toEqual({ 'example.com/x': '1' });
  });

  test('other metadata fields of the overlay are ignored: names belong to the operator', () => {
    const overlay = { metadata: { name: 'other', labels: { a: 'b' } } } as ObjectOverlay;
    expect(overlayPod(rendered, overlay).metadata.name).toBe('kv-0');
  });

  test('a null label map or spec does not wipe the operator’s labels or containers', () => {
    const overlay = { metadata: { labels: null }, spec: null } as unknown as ObjectOverlay;
    expect(overlayPod(rendered, overlay)).toEqual(rendered);
  });

  test('no overlay returns an equal copy', () => {
    const result = overlayPod(rendered, undefined);
    expect(result).toEqual(rendered);
    expect(result).not.toBe(rendered);
  });

  test('neither the rendered Pod nor the overlay is modified, and the result shares nothing with them', () => {
    const before = structuredClone(rendered);
    const overlay: ObjectOverlay = { spec: { containers: [{ name: 'tikv', env: [{ name: 'A', value: '1' }] }] } };
    const overlayBefore = structuredClone(overlay);
    const result = overlayPod(rendered, overlay);
    expect(rendered).toEqual(before);
    expect(overlay).toEqual(overlayBefore);
    (result.spec.containers as { env: { value: string }[] }[])[0]!.env[0]!.value = 'changed';
    expect(overlay).toEqual(overlayBefore);
  });

  test('a keyed item without its key is an error that names the path', () => {
    expect(() => overlayPod(rendered, { spec: { containers: [{ image: 'x' }] } })).toThrow(
      new OverlayError('spec.containers[0]', 'has no name to merge by'),
    );
    expect(() => overlayPod(rendered, { spec: { containers: [{ name: 'tikv', env: [{ value: 'x' }] }] } })).toThrow(
      'overlay spec.containers[].env[0]: has no name to merge by',
    );
  });

  test('a keyed list item that is not an object is an error', () => {
    expect(() => overlayPod(rendered, { spec: { volumes: ['data'] } })).toThrow(OverlayError);
  });
});

describe('overlayVolumeClaim', () => {
  const claim: KubeObject & { spec: Record<string, unknown> } = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'data-kv-0', labels: { 'tikv.org/volume-name': 'data' } },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '10Gi' } },
      storageClassName: 'standard',
    },
  };

  test('merges metadata and spec: maps by key, atomic lists whole, scalars win', () => {
    const result = overlayVolumeClaim(claim, {
      metadata: { annotations: { backup: 'daily' } },
      spec: { accessModes: ['ReadWriteOncePod'], storageClassName: 'fast', volumeMode: 'Filesystem' },
    });
    expect(result.metadata).toEqual({
      name: 'data-kv-0',
      labels: { 'tikv.org/volume-name': 'data' },
      annotations: { backup: 'daily' },
    });
    expect(result.spec).toEqual({
      accessModes: ['ReadWriteOncePod'],
      resources: { requests: { storage: '10Gi' } },
      storageClassName: 'fast',
      volumeMode: 'Filesystem',
    });
  });

  test('null removes a rendered field (for example the storage class, to use the default one)', () => {
    expect(overlayVolumeClaim(claim, { spec: { storageClassName: null } }).spec).not.toHaveProperty('storageClassName');
  });
});

describe('mergeOverlay', () => {
  test('works on any object with any rules', () => {
    const rules = { keyedLists: { items: { keys: ['id'] } }, unions: {} };
    const base: Record<string, unknown> = { items: [{ id: 1, v: 'a' }] };
    expect(mergeOverlay(base, { items: [{ id: 1, v: 'b' }, { id: 2 }] }, rules)).toEqual({
      items: [{ id: 1, v: 'b' }, { id: 2 }],
    });
  });

  test('the Pod rules cover containers, initContainers and ephemeralContainers alike', () => {
    for (const list of ['containers', 'initContainers', 'ephemeralContainers']) {
      expect(podMergeRules.keyedLists[`spec.${list}[].env`]).toEqual({ keys: ['name'] });
      expect(podMergeRules.keyedLists[`spec.${list}[].volumeMounts`]).toEqual({ keys: ['mountPath'] });
    }
  });
});
