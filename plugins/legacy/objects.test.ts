import { describe, expect, test } from 'bun:test';
import {
  legacyClusterOf,
  legacyComponentOf,
  legacyComponentSelector,
  legacyLabels,
  legacyNames,
  legacyOrdinalOf,
  legacyPdUrl,
  legacyStoreAddress,
} from './objects.ts';

describe('legacy names', () => {
  test('are the ones the legacy StatefulSets give Pods, claims, Services and stores', () => {
    expect(legacyNames.statefulSet('basic', 'tikv')).toBe('basic-tikv');
    expect(legacyNames.pod('basic', 'pd', 2)).toBe('basic-pd-2');
    expect(legacyNames.claim('basic', 'pd', 2)).toBe('pd-basic-pd-2');
    expect(legacyNames.claim('basic', 'tikv', 0)).toBe('tikv-basic-tikv-0');
    expect(legacyNames.peerService('basic', 'tikv')).toBe('basic-tikv-peer');
    expect(legacyPdUrl('basic', 'tikv')).toBe('http://basic-pd.tikv.svc:2379');
    expect(legacyStoreAddress('basic', 1, 'tikv')).toBe('basic-tikv-1.basic-tikv-peer.tikv.svc:20160');
  });

  test.each([
    ['basic-pd-0', 'pd', 0],
    ['basic-pd-12', 'pd', 12],
    ['basic-tikv-3.basic-tikv-peer.ns.svc:20160', 'tikv', 3],
    ['basic-pdg-0', 'pd', undefined],
    ['basic-pd-01', 'pd', undefined],
    ['basic-pd-x', 'pd', undefined],
    ['basic-kvg-0.basic-kvg-peer.ns.svc:20160', 'tikv', undefined],
    ['basic-tikv-0.other-peer.ns.svc:20160', 'tikv', undefined],
    ['other-pd-0', 'pd', undefined],
  ] as const)('the ordinal of %s (%s) is %p', (name, component, ordinal) => {
    expect(legacyOrdinalOf('basic', component, name)).toBe(ordinal);
  });
});

describe('legacy labels', () => {
  test('name the component and the TikvCluster of legacy PD and TiKV objects only', () => {
    expect(legacyComponentOf(legacyLabels('basic', 'tikv'))).toBe('tikv');
    expect(legacyClusterOf(legacyLabels('basic', 'pd'))).toBe('basic');
    expect(legacyComponentOf({ ...legacyLabels('basic', 'pd'), 'app.kubernetes.io/component': 'discovery' })).toBe(
      undefined,
    );
    expect(legacyClusterOf({ 'tikv.org/cluster': 'basic' })).toBeUndefined();
  });

  test('select one component of one TikvCluster', () => {
    expect(legacyComponentSelector('basic', 'pd')).toBe(
      'app.kubernetes.io/name=tikv-cluster,app.kubernetes.io/managed-by=tikv-operator,app.kubernetes.io/instance=basic,app.kubernetes.io/component=pd',
    );
  });
});
