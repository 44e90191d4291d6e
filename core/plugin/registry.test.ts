import { describe, expect, test } from 'bun:test';
import { defineGroupKind } from '../api/group.ts';
import { defineInstanceKind } from '../api/instance.ts';
import { commonTemplateEntries } from '../api/template.ts';
import { complete } from '../tasks/result.ts';
import type { ComponentPlugin } from './contract.ts';
import { PluginRegistry } from './registry.ts';

function plugin(name: string, dependsOn: string[] = [], kindPrefix = name.toUpperCase()): ComponentPlugin {
  const templateEntries = commonTemplateEntries({
    component: name,
    imageRepository: `example.org/${name}`,
    dataDirectory: `/var/lib/${name}`,
    managedConfigKeys: [],
  });
  const groupKind = defineGroupKind({
    kind: `${kindPrefix}Group`,
    plural: `${kindPrefix.toLowerCase()}groups`,
    shortNames: [],
    component: name,
    description: name,
    templateEntries,
    defaultReplicas: 1,
    statusEntries: {},
  });
  const instanceKind = defineInstanceKind({
    kind: kindPrefix,
    plural: `${kindPrefix.toLowerCase()}s`,
    shortNames: [],
    component: name,
    description: name,
    templateEntries,
    specEntries: {},
    statusEntries: {},
    printerColumns: [],
  });
  return {
    name,
    groupKind,
    instanceKind,
    dependsOn,
    ports: [],
    dataDirectory: `/var/lib/${name}`,
    renderConfig: () => ({ ok: true, fileName: 'config.toml', content: '' }),
    renderPod: () => ({ container: { name }, configMountPath: '/etc/x' }),
    loadDataPlane: () => undefined,
    health: () => ({ healthy: true, reason: 'ok' }),
    restart: { before: [], after: [] },
    scaleIn: { mode: 'delete', steps: [] },
    syncSteps: [],
  };
}

describe('PluginRegistry', () => {
  test('finds a plugin by name, by group kind and by instance kind', () => {
    const pd = plugin('pd');
    const registry = new PluginRegistry([pd]);
    expect(registry.get('pd')).toBe(pd);
    expect(registry.require('pd')).toBe(pd);
    expect(registry.byGroupKind('PDGroup')).toBe(pd);
    expect(registry.byInstanceKind('PD')).toBe(pd);
    expect(registry.get('tikv')).toBeUndefined();
    expect(registry.byGroupKind('PD')).toBeUndefined();
    expect(registry.byInstanceKind('PDGroup')).toBeUndefined();
  });

  test('require names the missing component', () => {
    expect(() => new PluginRegistry().require('tikv')).toThrow('no plugin is registered for component tikv');
  });

  test('orders plugins after the plugins they depend on', () => {
    const registry = new PluginRegistry([
      plugin('tidb', ['tikv', 'pd']),
      plugin('tikv', ['pd']),
      plugin('cdc', ['tikv']),
      plugin('pd'),
    ]);
    expect(registry.names()).toEqual(['pd', 'tikv', 'tidb', 'cdc']);
  });

  test('keeps registration order between independent plugins', () => {
    const registry = new PluginRegistry([plugin('b'), plugin('a'), plugin('c')]);
    expect(registry.names()).toEqual(['b', 'a', 'c']);
  });

  test('a later registration is taken into the order', () => {
    const registry = new PluginRegistry([plugin('tikv', ['pd'])]);
    expect(() => registry.all()).toThrow('plugin tikv depends on pd, which is not registered');
    registry.register(plugin('pd'));
    expect(registry.names()).toEqual(['pd', 'tikv']);
  });

  test('names the cycle when dependencies form one', () => {
    const registry = new PluginRegistry([
      plugin('x', ['a']),
      plugin('a', ['b']),
      plugin('b', ['c']),
      plugin('c', ['a']),
    ]);
    expect(() => registry.all()).toThrow('plugin dependency cycle: a -> b -> c -> a');
  });

  test('refuses a plugin that depends on itself', () => {
    expect(() => new PluginRegistry([plugin('a', ['a'])])).toThrow('plugin a depends on itself');
  });

  test('refuses a second plugin with the same name', () => {
    expect(() => new PluginRegistry([plugin('pd'), plugin('pd', [], 'PDX')])).toThrow(
      'plugin pd is already registered',
    );
  });

  test('refuses a kind that another plugin already uses', () => {
    expect(() => new PluginRegistry([plugin('pd'), plugin('pd2', [], 'PD')])).toThrow(
      'plugin pd2: kind PDGroup is already used by plugin pd',
    );
    const a = plugin('a', [], 'Shared');
    const b = { ...plugin('b', [], 'Other'), groupKind: { ...a.groupKind, component: 'b' } };
    expect(() => new PluginRegistry([a, b])).toThrow('kind SharedGroup is already used by plugin a');
  });

  test('refuses kinds that belong to another component or sit in the wrong layer', () => {
    const pd = plugin('pd');
    expect(() => new PluginRegistry([{ ...pd, name: 'tikv' }])).toThrow(
      'plugin tikv: kind PDGroup belongs to component pd, not tikv',
    );
    expect(() => new PluginRegistry([{ ...pd, groupKind: pd.instanceKind }])).toThrow(
      'plugin pd: groupKind PD has role instance, not group',
    );
    expect(() => new PluginRegistry([{ ...pd, instanceKind: pd.groupKind }])).toThrow(
      'plugin pd: instanceKind PDGroup has role group, not instance',
    );
  });

  test('refuses a name that cannot be a label value', () => {
    expect(() => new PluginRegistry([{ ...plugin('pd'), name: 'PD Server' }])).toThrow(
      'plugin name "PD Server" must be a lower-case label value',
    );
  });

  test('accepts plugins of any data-plane type', () => {
    const typed: ComponentPlugin<{ storeId: string }> = {
      ...plugin('kv'),
      loadDataPlane: () => ({ storeId: '1' }),
      syncSteps: [{ name: 'store labels', run: async () => ({ result: complete(), stopped: false }) }],
    };
    expect(new PluginRegistry([typed]).get('kv')).toBe(typed);
  });
});
