import { describe, expect, test } from 'bun:test';
import type { KubeObject } from '../kube/object.ts';
import { matchesNodeSelectorTerms, type NodeObject, nodeHealthOf, strandedVolumes } from './nodes.ts';

const NOW = Date.parse('2030-01-01T12:00:00Z');

function node(name: string, ready: 'True' | 'False' | 'Unknown', labels: Record<string, string> = {}): NodeObject {
  return {
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
    status: {
      conditions: [
        { type: 'Ready', status: ready, reason: 'NodeStatusUnknown', lastTransitionTime: '2030-01-01T11:59:00Z' },
      ],
    },
  };
}
const pod = (nodeName?: string): KubeObject =>
  ({ metadata: { name: 'kv-0' }, spec: nodeName ? { nodeName } : {} }) as KubeObject;
const localVolume = (name: string, host: string): KubeObject =>
  ({
    metadata: { name },
    spec: {
      nodeAffinity: {
        required: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [host] }] },
          ],
        },
      },
    },
  }) as KubeObject;

describe('nodeHealthOf', () => {
  test('an unbound Pod or none has no node', () => {
    expect(nodeHealthOf(undefined, undefined, NOW)).toEqual({ kind: 'unscheduled' });
    expect(nodeHealthOf(pod(), undefined, NOW)).toEqual({ kind: 'unscheduled' });
  });

  test('a bound Pod whose Node is not in the cache: gone', () => {
    expect(nodeHealthOf(pod('n1'), undefined, NOW)).toEqual({ kind: 'gone', node: 'n1' });
  });

  test('Ready', () => {
    expect(nodeHealthOf(pod('n1'), node('n1', 'True'), NOW)).toEqual({ kind: 'ready', node: 'n1' });
  });

  test('Ready Unknown (kubelet stopped) or False: not ready since the condition changed', () => {
    for (const status of ['Unknown', 'False'] as const) {
      const health = nodeHealthOf(pod('n1'), node('n1', status), NOW);
      expect(health).toEqual({
        kind: 'notReady',
        node: 'n1',
        sinceMs: NOW - 60_000,
        message: `node n1 is not ready: Ready=${status} (NodeStatusUnknown)`,
      });
    }
  });

  test('a node without a Ready condition is not ready since now', () => {
    const bare: NodeObject = { metadata: { name: 'n1' } };
    expect(nodeHealthOf(pod('n1'), bare, NOW)).toMatchObject({ kind: 'notReady', sinceMs: NOW });
  });
});

describe('matchesNodeSelectorTerms', () => {
  const n = node('n1', 'True', { zone: 'a', gen: '5' });
  test.each<[string, object[], boolean]>([
    ['In', [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }], true],
    ['In, other value', [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] }], false],
    ['NotIn', [{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['b'] }] }], true],
    ['NotIn of a missing label', [{ matchExpressions: [{ key: 'disk', operator: 'NotIn', values: ['x'] }] }], true],
    ['Exists', [{ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }], true],
    ['DoesNotExist', [{ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }], false],
    ['Gt', [{ matchExpressions: [{ key: 'gen', operator: 'Gt', values: ['4'] }] }], true],
    ['Lt', [{ matchExpressions: [{ key: 'gen', operator: 'Lt', values: ['4'] }] }], false],
    ['matchFields on the name', [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }], true],
    [
      'requirements of a term are ANDed',
      [
        {
          matchExpressions: [
            { key: 'zone', operator: 'In', values: ['a'] },
            { key: 'gen', operator: 'In', values: ['6'] },
          ],
        },
      ],
      false,
    ],
    [
      'terms are ORed',
      [
        { matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] },
        { matchExpressions: [{ key: 'gen', operator: 'In', values: ['5'] }] },
      ],
      true,
    ],
    ['an empty term matches nothing', [{}], false],
  ])('%s', (_name, terms, expected) => {
    expect(matchesNodeSelectorTerms(n, terms as never)).toBe(expected);
  });
});

describe('strandedVolumes', () => {
  test('a local volume whose node is gone or NotReady is stranded; one on a Ready node is not', () => {
    const nodes = [node('n1', 'True'), node('n2', 'Unknown')];
    expect(
      strandedVolumes([localVolume('pv-1', 'n1'), localVolume('pv-2', 'n2'), localVolume('pv-3', 'n3')], nodes),
    ).toEqual(['pv-2', 'pv-3']);
  });

  test('a volume without node affinity (network storage) can always move', () => {
    expect(strandedVolumes([{ metadata: { name: 'pv-net' }, spec: {} } as KubeObject], [])).toEqual([]);
  });
});
