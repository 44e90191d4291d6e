import { describe, expect, test } from 'bun:test';
import { clusterKind, parseCluster, withComponentColumns } from './cluster.ts';
import { celRulesAt, crdNode, issuesOf } from './testdata/expect.ts';

const cluster = (spec?: unknown, name = 'basic') => ({
  apiVersion: 'core.tikv.org/v1alpha1',
  kind: 'Cluster',
  metadata: { name, namespace: 'ns' },
  ...(spec === undefined ? {} : { spec }),
});

describe('Cluster defaults', () => {
  test('an object without spec gets the default spec', () => {
    const result = parseCluster(cluster());
    expect(result.ok && result.value.spec).toEqual({
      paused: false,
      upgradePolicy: 'Ordered',
      revisionHistoryLimit: 10,
    });
  });

  test('suspendCompute defaults to false once suspendAction is written', () => {
    const result = parseCluster(cluster({ suspendAction: {} }));
    expect(result.ok && result.value.spec.suspendAction).toEqual({ suspendCompute: false });
  });

  test('the CRD carries the same defaults', () => {
    expect(crdNode(clusterKind, 'spec').default).toEqual({});
    expect(crdNode(clusterKind, 'spec.paused').default).toBe(false);
    expect(crdNode(clusterKind, 'spec.upgradePolicy').default).toBe('Ordered');
    expect(crdNode(clusterKind, 'spec.revisionHistoryLimit').default).toBe(10);
  });

  test('fills apiVersion and kind when they are missing, and rejects wrong ones', () => {
    const result = parseCluster({ metadata: { name: 'basic' } });
    expect(result.ok && [result.value.apiVersion, result.value.kind]).toEqual(['core.tikv.org/v1alpha1', 'Cluster']);
    expect(issuesOf(clusterKind, { ...cluster(), kind: 'PDGroup' })[0]).toStartWith('kind:');
  });
});

describe('Cluster validation', () => {
  test.each([
    ['a negative revisionHistoryLimit', { revisionHistoryLimit: -1 }, 'spec.revisionHistoryLimit: must be >= 0'],
    ['an unknown upgradePolicy', { upgradePolicy: 'Fast' }, 'spec.upgradePolicy:'],
    [
      'a feature gate that is not CamelCase',
      { featureGates: [{ name: 'my-gate' }] },
      'spec.featureGates.0.name: feature gate names are CamelCase',
    ],
    [
      'a duplicate feature gate',
      { featureGates: [{ name: 'A' }, { name: 'A' }] },
      'spec.featureGates: entries must have unique names',
    ],
    ['a non-boolean paused', { paused: 'yes' }, 'spec.paused:'],
  ])('rejects %s', (_, spec, issue) => {
    expect(issuesOf(clusterKind, cluster(spec)).join('\n')).toContain(issue);
  });

  test('rejects a name longer than 40 characters with the reason, at runtime and in the CRD', () => {
    expect(issuesOf(clusterKind, cluster({}, `a${'b'.repeat(40)}`))).toEqual([
      'metadata.name: metadata.name must be at most 40 characters: the name is a label value on every object of the cluster, with room for derived names',
    ]);
    expect(issuesOf(clusterKind, cluster({}, `a${'b'.repeat(39)}`))).toEqual([]);
    expect(celRulesAt(clusterKind, '')).toContain('size(self.metadata.name) <= 40');
  });

  test('rejects a name that is not a DNS-1035 label', () => {
    for (const name of ['1basic', 'basic.prod', 'Basic', 'basic-']) {
      expect(issuesOf(clusterKind, cluster({}, name))[0]).toStartWith(
        'metadata.name: metadata.name must be a DNS-1035 label',
      );
    }
  });

  test('keeps the PD cluster id a string: it is a uint64', () => {
    const result = parseCluster({ ...cluster({}), status: { id: '7345827539129812345' } });
    expect(result.ok && result.value.status?.id).toBe('7345827539129812345');
    expect(issuesOf(clusterKind, { ...cluster({}), status: { id: 7345827539129812 } })[0]).toStartWith('status.id:');
  });
});

describe('withComponentColumns', () => {
  test('adds a ready column per component before the generic columns', () => {
    const kind = withComponentColumns(clusterKind, [{ name: 'pd', displayName: 'PD' }]);
    expect(kind.printerColumns[0]).toEqual({
      name: 'PD',
      type: 'integer',
      jsonPath: '.status.components[?(@.name=="pd")].readyReplicas',
      description: 'Ready PD instances',
    });
    expect(kind.printerColumns.slice(1)).toEqual([...clusterKind.printerColumns]);
  });
});
