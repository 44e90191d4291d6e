import { describe, expect, test } from 'bun:test';
import { legacyLabels, legacyNames, legacyStoreAddress } from '../../../legacy/objects.ts';
import { dataIdentity, observePod, observeService, type PodLike, podHost } from './observations.ts';

function pod(
  name: string,
  component: string,
  overrides: { ready?: boolean; phase?: string; deleting?: boolean; claims?: string[]; crashed?: boolean } = {},
): PodLike {
  return {
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      labels: { 'tikv.org/cluster': 'basic', 'tikv.org/component': component, 'tikv.org/instance': `inst-${name}` },
      deletionTimestamp: overrides.deleting ? '2026-01-01T00:00:00Z' : undefined,
    },
    spec: {
      hostname: name,
      subdomain: `basic-${component}-peer`,
      volumes: (overrides.claims ?? [`data-${name}`]).map((c) => ({
        name: c,
        persistentVolumeClaim: { claimName: c },
      })),
    },
    status: {
      phase: overrides.phase ?? 'Running',
      conditions: [{ type: 'Ready', status: overrides.ready === false ? 'False' : 'True' }],
      containerStatuses: [{ name: 'main', state: overrides.crashed ? { waiting: {} } : { running: {} } }],
    },
  };
}

describe('observing Pods', () => {
  test('a Running and Ready PD Pod is a serving member named after its instance, with its DNS URLs', () => {
    expect(observePod(pod('basic-pd-0', 'pd'), false)).toEqual({
      component: 'pd',
      cluster: { namespace: 'default', name: 'basic' },
      pod: 'basic-pd-0',
      host: 'basic-pd-0.basic-pd-peer.default.svc',
      serving: true,
      member: {
        name: 'inst-basic-pd-0',
        clientUrls: ['http://basic-pd-0.basic-pd-peer.default.svc:2379'],
        peerUrls: ['http://basic-pd-0.basic-pd-peer.default.svc:2380'],
        dataId: 'default/data-basic-pd-0',
      },
    });
  });

  test.each([
    ['not Ready', { ready: false }],
    ['Pending', { phase: 'Pending' }],
    ['terminating', { deleting: true }],
  ])('a PD Pod that is %s is not serving', (_, overrides) => {
    expect(observePod(pod('basic-pd-0', 'pd', overrides), false)).toMatchObject({ serving: false });
  });

  test('a deleted PD Pod is not serving', () => {
    expect(observePod(pod('basic-pd-0', 'pd'), true)).toMatchObject({ serving: false });
  });

  test('a Running TiKV Pod is a running store at its advertise address, whatever its readiness', () => {
    expect(observePod(pod('basic-tikv-1', 'tikv', { ready: false }), false)).toMatchObject({
      component: 'tikv',
      running: true,
      store: {
        address: 'basic-tikv-1.basic-tikv-peer.default.svc:20160',
        statusAddress: 'basic-tikv-1.basic-tikv-peer.default.svc:20180',
        dataId: 'default/data-basic-tikv-1',
      },
    });
  });

  test.each([
    ['crashed', { crashed: true }],
    ['terminating', { deleting: true }],
    ['Failed', { phase: 'Failed' }],
  ])('a TiKV Pod that is %s is a stopped process', (_, overrides) => {
    expect(observePod(pod('basic-tikv-1', 'tikv', overrides), false)).toMatchObject({ running: false });
  });

  test('other Pods are ignored', () => {
    const other = pod('x', 'tidb');
    expect(observePod(other, false)).toBeUndefined();
    const unlabeled: PodLike = { metadata: { name: 'y', namespace: 'default', labels: {} } };
    expect(observePod(unlabeled, false)).toBeUndefined();
  });

  test('data identity is the sorted PVCs, or the Pod itself without PVCs', () => {
    expect(dataIdentity(pod('p', 'tikv', { claims: ['raft-p', 'data-p'] }))).toBe('default/data-p,default/raft-p');
    expect(dataIdentity(pod('p', 'tikv', { claims: [] }))).toBe('pod:uid-p');
  });

  test('ports can be changed', () => {
    const seen = observePod(pod('basic-tikv-0', 'tikv'), false, {
      pdClient: 1,
      pdPeer: 2,
      tikv: 3,
      tikvStatus: 4,
    });
    expect(seen).toMatchObject({ store: { address: 'basic-tikv-0.basic-tikv-peer.default.svc:3' } });
  });

  test('a Pod without subdomain is named under its namespace only', () => {
    const p = pod('solo', 'pd');
    if (p.spec) p.spec.subdomain = undefined;
    expect(podHost(p)).toBe('solo.default.svc');
  });
});

describe('observing Services', () => {
  test('a Service selecting a cluster component names that cluster', () => {
    expect(
      observeService({
        metadata: { name: 'basic-pd', namespace: 'ns1' },
        spec: { selector: { 'tikv.org/cluster': 'basic', 'tikv.org/component': 'pd' } },
      }),
    ).toEqual({ cluster: { namespace: 'ns1', name: 'basic' }, host: 'basic-pd.ns1.svc' });
    expect(observeService({ metadata: { name: 'web', namespace: 'ns1' }, spec: { selector: { app: 'web' } } })).toBe(
      undefined,
    );
  });
});

describe('legacy tikv-operator objects', () => {
  /** A Pod of the legacy StatefulSet `<tc>-<component>`, as the StatefulSet controller creates it. */
  function legacyPod(tc: string, component: 'pd' | 'tikv', ordinal: number, labels: Record<string, string> = {}) {
    const name = legacyNames.pod(tc, component, ordinal);
    const claim = legacyNames.claim(tc, component, ordinal);
    return {
      metadata: { name, namespace: 'tikv', uid: `uid-${name}`, labels: { ...legacyLabels(tc, component), ...labels } },
      spec: {
        hostname: name,
        subdomain: legacyNames.peerService(tc, component),
        volumes: [{ name: component, persistentVolumeClaim: { claimName: claim } }],
      },
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'True' }],
        containerStatuses: [{ name: component, state: { running: {} } }],
      },
    } satisfies PodLike;
  }

  test('a legacy PD Pod is a member of the cluster named like the TikvCluster, named after its Pod, at the legacy URLs', () => {
    expect(observePod(legacyPod('basic', 'pd', 2), false)).toEqual({
      component: 'pd',
      cluster: { namespace: 'tikv', name: 'basic' },
      pod: 'basic-pd-2',
      host: 'basic-pd-2.basic-pd-peer.tikv.svc',
      serving: true,
      member: {
        name: 'basic-pd-2',
        clientUrls: ['http://basic-pd-2.basic-pd-peer.tikv.svc:2379'],
        peerUrls: ['http://basic-pd-2.basic-pd-peer.tikv.svc:2380'],
        dataId: 'tikv/pd-basic-pd-2',
      },
    });
  });

  test('a legacy TiKV Pod is a store at the legacy advertise address, on its StatefulSet claim', () => {
    expect(observePod(legacyPod('basic', 'tikv', 0), false)).toMatchObject({
      component: 'tikv',
      cluster: { namespace: 'tikv', name: 'basic' },
      running: true,
      store: { address: legacyStoreAddress('basic', 0, 'tikv'), dataId: 'tikv/tikv-basic-tikv-0' },
    });
  });

  test.each([
    ['the discovery Deployment', { 'app.kubernetes.io/component': 'discovery' }],
    ['another manager', { 'app.kubernetes.io/managed-by': 'helm' }],
    ['another app name', { 'app.kubernetes.io/name': 'tidb-cluster' }],
    ['no instance label', { 'app.kubernetes.io/instance': '' }],
  ])('%s is not simulated', (_name, labels) => {
    expect(observePod(legacyPod('basic', 'pd', 0, labels), false)).toBeUndefined();
  });

  test('the operator labels win over legacy ones on the same Pod', () => {
    const both = legacyPod('basic', 'pd', 0, { 'tikv.org/cluster': 'other', 'tikv.org/component': 'pd' });
    expect(observePod(both, false)).toMatchObject({ cluster: { name: 'other' } });
  });

  test("the legacy Services name the TikvCluster's simulated cluster", () => {
    const selector = legacyLabels('basic', 'pd');
    expect(observeService({ metadata: { name: 'basic-pd', namespace: 'tikv' }, spec: { selector } })).toEqual({
      cluster: { namespace: 'tikv', name: 'basic' },
      host: 'basic-pd.tikv.svc',
    });
    const partial = { 'app.kubernetes.io/instance': 'basic', 'app.kubernetes.io/component': 'pd' };
    expect(observeService({ metadata: { name: 'x', namespace: 'tikv' }, spec: { selector: partial } })).toBeUndefined();
  });
});
