import { expect, test } from 'bun:test';
import { parseAllDocuments } from 'yaml';
import { fakeNodes, isNodeReady, stagesPath } from './kwok.ts';

test('fake nodes are spread round-robin over the zones, each with its own hostname and address', () => {
  const nodes = fakeNodes(4, ['a', 'b', 'c']);
  expect(nodes.map((n) => n.metadata.labels?.['topology.kubernetes.io/zone'])).toEqual(['a', 'b', 'c', 'a']);
  expect(nodes.map((n) => n.metadata.labels?.['kubernetes.io/hostname'])).toEqual(nodes.map((n) => n.metadata.name));
  const addresses = nodes.map((n) => JSON.stringify(n.status?.addresses));
  expect(new Set(addresses).size).toBe(4);
  expect(nodes.every((n) => n.metadata.annotations?.['kwok.x-k8s.io/node'] === 'fake')).toBe(true);
});

test('fake nodes need a zone', () => {
  expect(() => fakeNodes(1, [])).toThrow('at least one zone');
});

test('a node is ready only with condition Ready=True', () => {
  expect(isNodeReady({ metadata: { name: 'n' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } })).toBe(
    true,
  );
  expect(isNodeReady({ metadata: { name: 'n' }, status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } })).toBe(
    false,
  );
  expect(isNodeReady({ metadata: { name: 'n' } })).toBe(false);
});

test('the stage file configures node and pod stages, so none of kwok defaults apply half-way', async () => {
  const docs = parseAllDocuments(await Bun.file(stagesPath).text()).map(
    (d) => d.toJS() as { kind: string; metadata: { name: string }; spec: { resourceRef: { kind: string } } },
  );
  expect(docs.every((d) => d.kind === 'Stage')).toBe(true);
  const byKind = (kind: string) => docs.filter((d) => d.spec.resourceRef.kind === kind).map((d) => d.metadata.name);
  expect(byKind('Node')).toEqual(['node-ready']);
  expect(byKind('Pod')).toEqual(['pod-sync', 'pod-stop', 'pod-delete']);
});
