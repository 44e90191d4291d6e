import { describe, expect, test } from 'bun:test';
import { MAX_INSTANCE_NAME_LENGTH } from './names.ts';
import { celRulesAt, crdNode, issuesOf, parsedOk } from './testdata/expect.ts';
import { widget, widgetKind } from './testdata/widget.ts';

const issues = (obj: unknown) => issuesOf(widgetKind, obj).join('\n');

describe('instance defaults', () => {
  test('fill topology, replicas, the template defaults and the plugin fields', () => {
    const { spec } = parsedOk(widgetKind, widget());
    expect(spec.topology).toEqual({});
    expect(spec.replicas).toBe(1);
    expect(spec.configUpdateStrategy).toBe('Restart');
    expect(spec.polished).toBe(false);
    expect(spec.colour).toBe('red');
  });
});

describe('instance validation', () => {
  test.each([
    ['a missing subdomain', widget({ subdomain: undefined }), 'spec.subdomain:'],
    ['an invalid subdomain', widget({ subdomain: 'W_peer' }), 'spec.subdomain: subdomain must be the name'],
    ['replicas other than 1', widget({ replicas: 2 }), 'spec.replicas: an instance always has exactly one replica'],
    ['a missing data volume', widget({ volumes: [] }), 'spec.volumes: volumes must include a volume named data'],
    ['a bad version', widget({ version: 'x' }), 'spec.version: version must be a semantic version'],
  ])('rejects %s', (_, obj, issue) => {
    expect(issues(obj)).toContain(issue);
  });

  test('rejects names that would make the PVC name too long', () => {
    const name = `w-${'1'.repeat(MAX_INSTANCE_NAME_LENGTH - 1)}`;
    expect(issues(widget({}, name))).toContain(`metadata.name must be at most ${MAX_INSTANCE_NAME_LENGTH} characters`);
    expect(issues(widget({}, name.slice(1).replace(/^-/, 'w')))).toBe('');
  });

  test('the CRD makes cluster, topology and subdomain immutable', () => {
    expect(celRulesAt(widgetKind, 'spec.cluster')).toEqual(['self == oldSelf']);
    expect(celRulesAt(widgetKind, 'spec.topology')).toEqual(['self == oldSelf']);
    expect(celRulesAt(widgetKind, 'spec.subdomain')).toEqual(['self == oldSelf']);
    // A default keeps the topology present, so "set it later" is a change the transition rule sees.
    expect(crdNode(widgetKind, 'spec.topology').default).toEqual({});
  });

  test('the CRD pins replicas to 1 for the scale subresource', () => {
    const replicas = crdNode(widgetKind, 'spec.replicas');
    expect([replicas.minimum, replicas.maximum, replicas.default]).toEqual([1, 1, 1]);
  });
});
