import { describe, expect, test } from 'bun:test';
import type { KubeObject } from '../../../core/kube/object.ts';
import type { LegacyStatus } from '../api.ts';
import { convertedFromName } from '../convert.ts';
import {
  type ConvertedTo,
  decideStatus,
  findConversion,
  type GroupObject,
  type NewApiObjects,
  type StatusDecision,
} from './status.ts';

const FROM = 'tikv.org/converted-from';
const NOW = '2026-03-04T05:06:07Z';
const EARLIER = '2026-01-02T03:04:05Z';

function cluster(name: string, meta: Partial<KubeObject['metadata']> = {}, from: string | null = 'basic'): KubeObject {
  return {
    metadata: {
      name,
      namespace: 'tikv',
      creationTimestamp: '2026-01-01T00:00:00Z',
      ...(from === null ? {} : { annotations: { [FROM]: `TikvCluster/${from}` } }),
      ...meta,
    },
  };
}

function group(name: string, of: string, from: string | null = 'basic', deleting = false): GroupObject {
  return {
    metadata: {
      name,
      namespace: 'tikv',
      ...(from === null ? {} : { annotations: { [FROM]: `TikvCluster/${from}` } }),
      ...(deleting ? { deletionTimestamp: NOW } : {}),
    },
    spec: { cluster: { name: of } },
  };
}

const converted = (c = 'basic', pd = 'basic-pdg', kv = 'basic-kvg'): ConvertedTo => ({
  apiVersion: 'core.tikv.org/v1alpha1',
  cluster: c,
  pdGroup: pd,
  tikvGroup: kv,
});

const objects = (o: Partial<NewApiObjects>): NewApiObjects => ({
  clusters: o.clusters ?? [],
  pdGroups: o.pdGroups ?? [],
  tikvGroups: o.tikvGroups ?? [],
});

describe('which objects a TikvCluster was converted to', () => {
  const groups = { pdGroups: [group('basic-pdg', 'basic')], tikvGroups: [group('basic-kvg', 'basic')] };

  test.each<[string, Partial<NewApiObjects>, ConvertedTo | undefined]>([
    ['nothing in the namespace', {}, undefined],
    [
      'the Cluster converted from it with its PDGroup and TiKVGroup',
      { clusters: [cluster('basic')], ...groups },
      converted(),
    ],
    [
      'a Cluster of another name (migrate run --name)',
      {
        clusters: [cluster('fresh')],
        pdGroups: [group('fresh-pdg', 'fresh')],
        tikvGroups: [group('fresh-kvg', 'fresh')],
      },
      converted('fresh', 'fresh-pdg', 'fresh-kvg'),
    ],
    [
      'a Cluster of the same name without the annotation',
      { clusters: [cluster('basic', {}, null)], ...groups },
      undefined,
    ],
    [
      'a Cluster converted from another TikvCluster',
      { clusters: [cluster('basic', {}, 'other')], ...groups },
      undefined,
    ],
    [
      'the Cluster alone: its groups are not created yet',
      { clusters: [cluster('basic')], pdGroups: [group('basic-pdg', 'basic')] },
      undefined,
    ],
    [
      'the Cluster being deleted (a rollback)',
      { clusters: [cluster('basic', { deletionTimestamp: NOW })], ...groups },
      undefined,
    ],
    [
      'its only TiKVGroup being deleted',
      {
        clusters: [cluster('basic')],
        pdGroups: groups.pdGroups,
        tikvGroups: [group('basic-kvg', 'basic', 'basic', true)],
      },
      undefined,
    ],
    [
      'groups of another Cluster do not count',
      { clusters: [cluster('basic')], pdGroups: [group('x-pdg', 'x')], tikvGroups: [group('x-kvg', 'x')] },
      undefined,
    ],
    [
      'groups the user added to the converted Cluster: the converted ones are named',
      {
        clusters: [cluster('basic')],
        pdGroups: [group('a-pd', 'basic', null), group('basic-pdg', 'basic')],
        tikvGroups: [group('a-zone', 'basic', null), group('basic-kvg', 'basic'), group('z-zone', 'basic', null)],
      },
      converted(),
    ],
    [
      'groups created by hand for the converted Cluster: the first by name',
      {
        clusters: [cluster('basic')],
        pdGroups: [group('pd', 'basic', null)],
        tikvGroups: [group('kv-b', 'basic', null), group('kv-a', 'basic', null)],
      },
      converted('basic', 'pd', 'kv-a'),
    ],
    [
      'two Clusters converted from it: the oldest',
      {
        clusters: [
          cluster('b', { creationTimestamp: '2026-02-01T00:00:00Z' }),
          cluster('a', { creationTimestamp: '2026-02-02T00:00:00Z' }),
        ],
        pdGroups: [group('a-pdg', 'a'), group('b-pdg', 'b')],
        tikvGroups: [group('a-kvg', 'a'), group('b-kvg', 'b')],
      },
      converted('b', 'b-pdg', 'b-kvg'),
    ],
  ])('%s', (_name, given, expected) => {
    expect(findConversion('basic', objects(given))).toEqual(expected);
  });

  test('reads the annotation of converted objects only', () => {
    expect(convertedFromName(cluster('c', {}, 'basic'))).toBe('basic');
    expect(convertedFromName(cluster('c', {}, null))).toBeUndefined();
    expect(convertedFromName({ metadata: { name: 'c', annotations: { [FROM]: 'TikvCluster/' } } })).toBeUndefined();
    expect(
      convertedFromName({ metadata: { name: 'c', annotations: { [FROM]: 'TidbCluster/basic' } } }),
    ).toBeUndefined();
  });
});

describe('the status written', () => {
  const convertedStatus = (at = EARLIER, to = converted()): LegacyStatus => ({
    converted: true,
    convertedAt: at,
    convertedTo: to,
    clusterID: '6821589946264557374',
  });

  test('becoming converted sets convertedAt to now and asks for an event', () => {
    expect(decideStatus({ clusterID: '1' }, converted(), NOW)).toEqual({
      kind: 'write',
      patch: { converted: true, convertedAt: NOW, convertedTo: converted() },
      becameConverted: true,
    });
    expect(decideStatus(undefined, converted(), NOW)).toMatchObject({ kind: 'write', becameConverted: true });
    expect(decideStatus({ converted: false }, converted(), NOW)).toMatchObject({
      kind: 'write',
      becameConverted: true,
    });
  });

  test('staying converted writes nothing and keeps the first convertedAt', () => {
    expect(decideStatus(convertedStatus(), converted(), NOW)).toEqual({ kind: 'unchanged' });
  });

  test('what migrate run wrote is kept (no event: it was converted already)', () => {
    const byMigrate = { converted: true, convertedAt: '2026-01-02T03:04:05.678Z', convertedTo: converted() };
    expect(decideStatus(byMigrate, converted(), NOW)).toEqual({ kind: 'unchanged' });
  });

  test('other objects named: convertedTo follows, convertedAt stays, no event', () => {
    expect(decideStatus(convertedStatus(), converted('basic', 'basic-pdg', 'zone-a'), NOW)).toEqual({
      kind: 'write',
      patch: { converted: true, convertedAt: EARLIER, convertedTo: converted('basic', 'basic-pdg', 'zone-a') },
      becameConverted: false,
    });
  });

  test('converted without a convertedAt (someone cleared it) gets now', () => {
    expect(decideStatus({ converted: true, convertedTo: converted() }, converted(), NOW)).toEqual({
      kind: 'write',
      patch: { converted: true, convertedAt: NOW, convertedTo: converted() },
      becameConverted: false,
    });
  });

  test('no conversion: converted false, convertedAt and convertedTo removed', () => {
    const notConverted: StatusDecision = {
      kind: 'write',
      patch: { converted: false, convertedAt: null, convertedTo: null },
      becameConverted: false,
    };
    expect(decideStatus(convertedStatus(), undefined, NOW)).toEqual(notConverted);
    expect(decideStatus(undefined, undefined, NOW)).toEqual(notConverted);
    expect(decideStatus({ clusterID: '1' }, undefined, NOW)).toEqual(notConverted);
  });

  test('not converted and saying so: nothing to write', () => {
    expect(decideStatus({ converted: false, clusterID: '1' }, undefined, NOW)).toEqual({ kind: 'unchanged' });
  });

  test('converted again after a rollback: a new convertedAt', () => {
    expect(decideStatus({ converted: false }, converted(), NOW)).toMatchObject({ patch: { convertedAt: NOW } });
  });

  test('the patch holds the conversion fields only: the legacy spec and status are never written', () => {
    for (const decision of [
      decideStatus(undefined, converted(), NOW),
      decideStatus(convertedStatus(), undefined, NOW),
    ]) {
      expect(decision.kind === 'write' && Object.keys(decision.patch).sort()).toEqual([
        'converted',
        'convertedAt',
        'convertedTo',
      ]);
    }
  });
});
