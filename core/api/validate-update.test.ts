import { describe, expect, test } from 'bun:test';
import { parseObject } from './kind.ts';
import { widget, widgetGroup, widgetGroupKind, widgetKind } from './testdata/widget.ts';
import { validateUpdate } from './validate-update.ts';

function parsed(kind: typeof widgetGroupKind | typeof widgetKind, obj: Record<string, unknown>) {
  const result = parseObject(kind, obj);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.value;
}

const template = (volumes: unknown[]) => ({ template: { spec: { version: 'v1.0.0', volumes } } });

describe('validateUpdate', () => {
  test('accepts an update that changes only mutable fields', () => {
    const before = parsed(widgetGroupKind, widgetGroup({ replicas: 3 }));
    const after = parsed(
      widgetGroupKind,
      widgetGroup({ replicas: 5, ...template([{ name: 'data', storage: '2Gi' }]) }),
    );
    expect(validateUpdate(widgetGroupKind, before, after)).toEqual([]);
  });

  test('rejects a changed cluster reference', () => {
    const before = parsed(widgetGroupKind, widgetGroup());
    const after = parsed(widgetGroupKind, widgetGroup({ cluster: { name: 'other' } }));
    expect(validateUpdate(widgetGroupKind, before, after)).toEqual([
      { path: 'spec.cluster', message: 'cluster is immutable: create a new object to move it to another Cluster' },
    ]);
  });

  test('pairs list-map items by key: a shrunk volume is found even after reordering', () => {
    const before = parsed(
      widgetGroupKind,
      widgetGroup(
        template([
          { name: 'data', storage: '10Gi' },
          { name: 'wal', storage: '5Gi', mounts: [{ mountPath: '/w' }] },
        ]),
      ),
    );
    const after = parsed(
      widgetGroupKind,
      widgetGroup(
        template([
          { name: 'wal', storage: '4Gi', mounts: [{ mountPath: '/w' }] },
          { name: 'data', storage: '10Gi' },
        ]),
      ),
    );
    expect(validateUpdate(widgetGroupKind, before, after)).toEqual([
      {
        path: 'spec.template.spec.volumes.0.storage',
        message: 'storage can only grow: shrinking a volume is not supported',
      },
    ]);
  });

  test('does not compare a new list-map item with anything', () => {
    const before = parsed(widgetGroupKind, widgetGroup(template([{ name: 'data', storage: '10Gi' }])));
    const after = parsed(
      widgetGroupKind,
      widgetGroup(
        template([
          { name: 'data', storage: '10Gi' },
          { name: 'wal', storage: '1Gi', mounts: [{ mountPath: '/w' }] },
        ]),
      ),
    );
    expect(validateUpdate(widgetGroupKind, before, after)).toEqual([]);
  });

  test('rejects removing a volume attributes class but allows changing it', () => {
    const vac = (name?: string) =>
      widgetGroup(template([{ name: 'data', storage: '1Gi', ...(name ? { volumeAttributesClassName: name } : {}) }]));
    const gold = parsed(widgetGroupKind, vac('gold'));
    expect(validateUpdate(widgetGroupKind, gold, parsed(widgetGroupKind, vac('silver')))).toEqual([]);
    expect(validateUpdate(widgetGroupKind, gold, parsed(widgetGroupKind, vac()))).toEqual([
      { path: 'spec.template.spec.volumes.0', message: 'volumeAttributesClassName cannot be removed once set' },
    ]);
  });

  test('rejects changes of an instance topology and subdomain, including setting a topology later', () => {
    const before = parsed(widgetKind, widget());
    const after = parsed(widgetKind, widget({ topology: { zone: 'a' }, subdomain: 'x-peer' }));
    expect(validateUpdate(widgetKind, before, after).map((i) => i.path)).toEqual(['spec.topology', 'spec.subdomain']);
  });

  test('accepts an instance update that keeps topology and subdomain', () => {
    const before = parsed(widgetKind, widget({ topology: { zone: 'a' } }));
    const after = parsed(widgetKind, widget({ topology: { zone: 'a' }, polished: true }));
    expect(validateUpdate(widgetKind, before, after)).toEqual([]);
  });
});
