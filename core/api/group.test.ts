import { describe, expect, test } from 'bun:test';
import * as v from 'valibot';
import { defineGroupKind } from './group.ts';
import { MAX_GROUP_NAME_LENGTH } from './names.ts';
import { celMessagesAt, celRulesAt, crdValidations, declaredRules, issuesOf, parsedOk } from './testdata/expect.ts';
import { widgetGroup, widgetGroupKind, widgetGroupWithTemplate, widgetTemplateEntries } from './testdata/widget.ts';
import { validateUpdate } from './validate-update.ts';

const kind = widgetGroupKind;
const issues = (obj: unknown) => issuesOf(kind, obj).join('\n');

describe('group defaults', () => {
  test('fill replicas, rollout limits and template defaults', () => {
    const { spec } = parsedOk(kind, widgetGroup());
    expect(spec.replicas).toBe(2);
    expect(spec.minReadySeconds).toBe(0);
    expect(spec.updateStrategy).toEqual({ maxUnavailable: 1, maxSurge: 0 });
    expect(spec.template.spec.configUpdateStrategy).toBe('Restart');
    expect(spec.template.spec.volumes).toEqual([{ name: 'data', mounts: [], storage: '1Gi' }]);
    expect(spec.template.spec.colour).toBe('red');
    expect(spec.schedulePolicies).toBeUndefined();
  });

  test('fill the weight of each topology', () => {
    const { spec } = parsedOk(
      kind,
      widgetGroup({
        schedulePolicies: [{ type: 'EvenlySpread', evenlySpread: { topologies: [{ topology: { zone: 'a' } }] } }],
      }),
    );
    expect(spec.schedulePolicies?.[0]?.evenlySpread?.topologies[0]?.weight).toBe(1);
  });

  test('keep replicas 0: a group may be scaled to nothing', () => {
    expect(parsedOk(kind, widgetGroup({ replicas: 0 })).spec.replicas).toBe(0);
  });
});

describe('group validation', () => {
  test.each([
    ['negative replicas', widgetGroup({ replicas: -1 }), 'spec.replicas: must be >= 0'],
    ['fractional replicas', widgetGroup({ replicas: 1.5 }), 'spec.replicas:'],
    ['a negative minReadySeconds', widgetGroup({ minReadySeconds: -5 }), 'spec.minReadySeconds: must be >= 0'],
    [
      'maxUnavailable 0',
      widgetGroup({ updateStrategy: { maxUnavailable: 0 } }),
      'spec.updateStrategy.maxUnavailable: must be >= 1',
    ],
    [
      'a negative maxSurge',
      widgetGroup({ updateStrategy: { maxSurge: -1 } }),
      'spec.updateStrategy.maxSurge: must be >= 0',
    ],
    ['a missing cluster', widgetGroup({ cluster: undefined }), 'spec.cluster:'],
    [
      'an invalid cluster name',
      widgetGroup({ cluster: { name: 'Basic' } }),
      'spec.cluster.name: cluster.name must be the name',
    ],
    ['a missing template', widgetGroup({ template: undefined }), 'spec.template:'],
    [
      'EvenlySpread without evenlySpread',
      widgetGroup({ schedulePolicies: [{ type: 'EvenlySpread' }] }),
      'spec.schedulePolicies.0.evenlySpread: evenlySpread is required when type is EvenlySpread',
    ],
    [
      'EvenlySpread without topologies',
      widgetGroup({ schedulePolicies: [{ type: 'EvenlySpread', evenlySpread: { topologies: [] } }] }),
      'evenlySpread.topologies must not be empty',
    ],
    [
      'a topology weight of 0',
      widgetGroup({
        schedulePolicies: [
          { type: 'EvenlySpread', evenlySpread: { topologies: [{ topology: { z: 'a' }, weight: 0 }] } },
        ],
      }),
      'weight: must be >= 1',
    ],
    [
      'an empty topology',
      widgetGroup({ schedulePolicies: [{ type: 'EvenlySpread', evenlySpread: { topologies: [{ topology: {} }] } }] }),
      'topology must have at least one label',
    ],
    [
      'an unknown policy type',
      widgetGroup({ schedulePolicies: [{ type: 'Random' }] }),
      'spec.schedulePolicies.0.type:',
    ],
    [
      'a reserved template label',
      widgetGroup({
        template: {
          metadata: { labels: { 'tikv.org/cluster': 'x' } },
          spec: { version: 'v1.0.0', volumes: [{ name: 'data', storage: '1Gi' }] },
        },
      }),
      'spec.template.metadata.labels: labels must not use the tikv.org/ prefix',
    ],
  ])('rejects %s', (_, obj, issue) => {
    expect(issues(obj)).toContain(issue);
  });

  test('accepts tikv.org/restartedAt in template annotations (the rolling-restart trigger), and no other tikv.org/ key', () => {
    const withAnnotations = (annotations: Record<string, string>) =>
      widgetGroup({
        template: {
          metadata: { annotations },
          spec: { version: 'v1.0.0', volumes: [{ name: 'data', storage: '1Gi' }] },
        },
      });
    expect(issues(withAnnotations({ 'tikv.org/restartedAt': '2026-11-21T00:00:00Z' }))).toBe('');
    expect(issues(withAnnotations({ 'tikv.org/priority': '0' }))).toContain(
      'spec.template.metadata.annotations: annotations must not use the tikv.org/ prefix (except tikv.org/restartedAt): the operator owns those keys',
    );
    expect(celRulesAt(kind, 'spec.template.metadata.annotations')).toEqual([
      "self.all(k, !k.startsWith('tikv.org/') || k == 'tikv.org/restartedAt')",
    ]);
  });

  test('rejects a group name that leaves no room for `<group>-<ordinal>` instance names', () => {
    const name = `w${'x'.repeat(MAX_GROUP_NAME_LENGTH)}`;
    expect(issues(widgetGroup({}, name))).toContain(
      `metadata.name: metadata.name must be at most ${MAX_GROUP_NAME_LENGTH} characters`,
    );
    expect(issuesOf(kind, widgetGroup({}, name.slice(1)))).toEqual([]);
  });

  test('the CRD has the CEL rules the runtime checks mirror', () => {
    expect(celRulesAt(kind, '')).toEqual([
      `size(self.metadata.name) <= ${MAX_GROUP_NAME_LENGTH}`,
      "self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')",
    ]);
    expect(celRulesAt(kind, 'spec.cluster')).toEqual(['self == oldSelf']);
    expect(celMessagesAt(kind, 'spec.schedulePolicies[]')).toEqual([
      'evenlySpread is required when type is EvenlySpread',
    ]);
    expect(celMessagesAt(kind, 'spec.template.metadata.labels')).toEqual([
      'labels must not use the tikv.org/ prefix: the operator owns those keys',
    ]);
    expect(celMessagesAt(kind, 'spec.template.spec')).toEqual([
      'volumes must include a volume named data',
      'overlay.volumeClaims names must name volumes in volumes',
    ]);
  });

  test('every declared rule with CEL is in the CRD, and every one has a runtime form', () => {
    const declared = declaredRules(kind);
    const celRules = declared.filter((r) => r.cel !== undefined);
    expect(celRules.length).toBeGreaterThan(10);
    for (const rule of declared) expect(rule.check !== undefined || rule.transition !== undefined).toBe(true);
    const inCrd = crdValidations(kind).map((r) => r.rule);
    for (const rule of celRules) expect(inCrd).toContain(rule.cel as string);
  });

  test('a template change that is valid is accepted', () => {
    expect(issuesOf(kind, widgetGroupWithTemplate({ colour: 'blue', configUpdateStrategy: 'HotReload' }))).toEqual([]);
  });
});

describe('plugin spec fields', () => {
  const withSpec = defineGroupKind({
    kind: 'GadgetGroup',
    plural: 'gadgetgroups',
    shortNames: [],
    component: 'gadget',
    description: 'Gadgets.',
    templateEntries: widgetTemplateEntries,
    defaultReplicas: 1,
    statusEntries: {},
    // `replicas` tries to take the place of the core's field: the core's wins.
    specEntries: { origin: v.optional(v.string()), replicas: v.optional(v.string()) },
    specRules: [
      {
        cel: '!has(oldSelf.origin) || has(self.origin)',
        message: 'origin cannot be removed',
        field: ['origin'],
        transition: (self, oldSelf) => oldSelf.origin === undefined || self.origin !== undefined,
      },
    ],
  });
  const gadgetGroup = (spec: Record<string, unknown>) => ({ ...widgetGroup(spec), kind: 'GadgetGroup' });

  test('a plugin field sits next to the core fields and never replaces one', () => {
    expect(parsedOk(withSpec, gadgetGroup({ origin: 'x' })).spec.origin).toBe('x');
    expect((parsedOk(withSpec, gadgetGroup({})).spec as { replicas: unknown }).replicas).toBe(1);
    expect(issuesOf(withSpec, gadgetGroup({ replicas: 'two' }))[0]).toStartWith('spec.replicas:');
  });

  test('spec rules become CEL on the spec object, and transition rules are mirrored on update', () => {
    expect(celRulesAt(withSpec, 'spec')).toEqual(['!has(oldSelf.origin) || has(self.origin)']);
    const before = parsedOk(withSpec, gadgetGroup({ origin: 'x' }));
    const after = parsedOk(withSpec, gadgetGroup({}));
    expect(validateUpdate(withSpec, before, after)).toEqual([
      { path: 'spec.origin', message: 'origin cannot be removed' },
    ]);
  });

  test('a kind without spec rules has none on its spec', () => {
    expect(celRulesAt(kind, 'spec')).toEqual([]);
  });
});
