import { describe, expect, test } from 'bun:test';
import { desiredStoreLabels, type StoreLabelInput, storeLabelChanges } from './store-labels.ts';

const zoneA = { 'topology.kubernetes.io/zone': 'zone-a' };

describe('desiredStoreLabels', () => {
  test.each<[string, StoreLabelInput, Record<string, string>]>([
    [
      'no location labels: only the user labels',
      { locationLabels: [], topology: zoneA, nodeName: 'n1', storeLabels: { disk: 'nvme' } },
      { disk: 'nvme' },
    ],
    [
      'zone from the topology, host from the node name',
      { locationLabels: ['zone', 'host'], topology: zoneA, nodeName: 'kwok-node-1', storeLabels: undefined },
      { zone: 'zone-a', host: 'kwok-node-1' },
    ],
    [
      'host from the topology when it pins the host',
      {
        locationLabels: ['host'],
        topology: { 'kubernetes.io/hostname': 'node-7' },
        nodeName: 'node-7',
        storeLabels: undefined,
      },
      { host: 'node-7' },
    ],
    [
      'region, and a custom location label named like its node label',
      {
        locationLabels: ['region', 'rack'],
        topology: { 'topology.kubernetes.io/region': 'eu', rack: 'r2' },
        nodeName: undefined,
        storeLabels: undefined,
      },
      { region: 'eu', rack: 'r2' },
    ],
    [
      'a location label the topology does not know is left out (not scheduled yet: no host)',
      { locationLabels: ['zone', 'host'], topology: {}, nodeName: undefined, storeLabels: { disk: 'ssd' } },
      { disk: 'ssd' },
    ],
    [
      "the node's place wins over a user label of the same key",
      { locationLabels: ['rack'], topology: { rack: 'r1' }, nodeName: undefined, storeLabels: { rack: 'r9' } },
      { rack: 'r1' },
    ],
    [
      'a user label the topology does not set stays',
      { locationLabels: ['rack'], topology: {}, nodeName: undefined, storeLabels: { rack: 'r9' } },
      { rack: 'r9' },
    ],
  ])('%s', (_what, input, expected) => {
    expect(desiredStoreLabels(input)).toEqual(expected);
  });
});

describe('storeLabelChanges', () => {
  test.each<[Record<string, string>, Record<string, string>, Record<string, string>]>([
    [{ zone: 'a' }, { zone: 'a' }, {}],
    [{ zone: 'a' }, {}, { zone: 'a' }],
    [{ zone: 'a', host: 'h' }, { zone: 'b', host: 'h' }, { zone: 'a' }],
    // Keys the store has and the operator does not want are not touched (TiKV's own server.labels).
    [{}, { engine: 'tiflash', disk: 'x' }, {}],
  ])('desired %j, actual %j -> %j', (desired, actual, expected) => {
    expect(storeLabelChanges(desired, actual)).toEqual(expected);
  });
});
