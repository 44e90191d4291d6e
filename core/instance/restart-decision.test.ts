import { describe, expect, test } from 'bun:test';
import {
  type ConfigUpdateStrategy,
  decideInstanceUpdate,
  type InstanceUpdateDecision,
  restartedAtAnnotation,
} from './restart-decision.ts';

const applied = {
  metadata: { labels: { team: 'a' }, annotations: { note: 'x' } },
  spec: {
    version: 'v8.5.0',
    image: 'pingcap/tikv:v8.5.0',
    config: '[storage]\nreserve-space = "1GB"\n',
    resources: { cpu: '2', memory: '4Gi' },
    updateStrategy: { config: 'Restart' },
    volumes: [{ name: 'data', mounts: [{ type: 'data' }], storage: '100Gi', storageClassName: 'fast' }],
    overlay: { pod: { metadata: { labels: { tier: 'db' } }, spec: { priorityClassName: 'high' } } },
    server: { labels: { host: 'h1' } },
  },
};

type Template = typeof applied;

function change(edit: (t: Template) => void): Template {
  const t = structuredClone(applied);
  edit(t);
  return t;
}

function decide(
  desired: unknown,
  strategy: ConfigUpdateStrategy = 'Restart',
  reloadableFields: string[] = [],
): InstanceUpdateDecision {
  return decideInstanceUpdate({ applied, desired, configUpdateStrategy: strategy, reloadableFields });
}

describe('decideInstanceUpdate', () => {
  test.each<[string, Template, ConfigUpdateStrategy, string[], InstanceUpdateDecision]>([
    ['nothing changed', change(() => {}), 'Restart', [], { kind: 'none', reasons: [] }],
    [
      'a label changes in place',
      change((t) => {
        t.metadata.labels.team = 'b';
      }),
      'Restart',
      [],
      { kind: 'inPlace', reasons: ['metadata.labels.team changed'] },
    ],
    [
      'an added annotation changes in place',
      change((t) => {
        Object.assign(t.metadata.annotations, { 'example.com/owner': 'me' });
      }),
      'Restart',
      [],
      { kind: 'inPlace', reasons: ['metadata.annotations["example.com/owner"] changed'] },
    ],
    [
      'a larger volume changes in place',
      change((t) => {
        t.spec.volumes[0]!.storage = '200Gi';
      }),
      'Restart',
      [],
      { kind: 'inPlace', reasons: ['spec.volumes[data].storage changed'] },
    ],
    [
      'a storage class or attributes class changes in place (the PVC plan judges it)',
      change((t) => {
        Object.assign(t.spec.volumes[0]!, { storageClassName: 'slow', volumeAttributesClassName: 'gold' });
      }),
      'Restart',
      [],
      {
        kind: 'inPlace',
        reasons: [
          'spec.volumes[data].storageClassName changed',
          'spec.volumes[data].volumeAttributesClassName changed',
        ],
      },
    ],
    [
      'overlay Pod metadata changes in place',
      change((t) => {
        t.spec.overlay.pod.metadata.labels.tier = 'storage';
      }),
      'Restart',
      [],
      { kind: 'inPlace', reasons: ['spec.overlay.pod.metadata.labels.tier changed'] },
    ],
    [
      'config with HotReload changes in place',
      change((t) => {
        t.spec.config = '';
      }),
      'HotReload',
      [],
      { kind: 'inPlace', reasons: ['spec.config changed (config update strategy HotReload)'] },
    ],
    [
      'config with Restart recreates',
      change((t) => {
        t.spec.config = '';
      }),
      'Restart',
      [],
      { kind: 'recreate', reasons: ['spec.config changed (config update strategy Restart)'] },
    ],
    [
      'switching the config strategy alone changes in place',
      change((t) => {
        t.spec.updateStrategy.config = 'HotReload';
      }),
      'HotReload',
      [],
      { kind: 'inPlace', reasons: ['spec.updateStrategy.config changed'] },
    ],
    [
      'a new version recreates',
      change((t) => {
        t.spec.version = 'v8.5.1';
        t.spec.image = 'pingcap/tikv:v8.5.1';
      }),
      'Restart',
      [],
      { kind: 'recreate', reasons: ['spec.image changed', 'spec.version changed'] },
    ],
    [
      'new resources recreate',
      change((t) => {
        t.spec.resources.memory = '8Gi';
      }),
      'Restart',
      [],
      { kind: 'recreate', reasons: ['spec.resources.memory changed'] },
    ],
    [
      'an overlay Pod spec change recreates',
      change((t) => {
        t.spec.overlay.pod.spec.priorityClassName = 'low';
      }),
      'Restart',
      [],
      { kind: 'recreate', reasons: ['spec.overlay.pod.spec.priorityClassName changed'] },
    ],
    [
      'an added volume recreates (it needs a mount)',
      change((t) => {
        t.spec.volumes.push({ name: 'logs', mounts: [{ type: 'log' }], storage: '1Gi', storageClassName: 'fast' });
      }),
      'Restart',
      [],
      { kind: 'recreate', reasons: ['spec.volumes[logs] changed'] },
    ],
    [
      'a changed mount recreates',
      change((t) => {
        t.spec.volumes[0]!.mounts = [{ type: 'raft' }];
      }),
      'Restart',
      [],
      { kind: 'recreate', reasons: ['spec.volumes[data].mounts changed'] },
    ],
    [
      'a plugin-declared reloadable field changes in place',
      change((t) => {
        t.spec.server.labels.host = 'h2';
      }),
      'Restart',
      ['spec.server.labels'],
      { kind: 'inPlace', reasons: ['spec.server.labels.host changed'] },
    ],
    [
      'the same field without the plugin declaration recreates',
      change((t) => {
        t.spec.server.labels.host = 'h2';
      }),
      'Restart',
      [],
      { kind: 'recreate', reasons: ['spec.server.labels.host changed'] },
    ],
    [
      'the restart annotation recreates (rolling restart)',
      change((t) => {
        Object.assign(t.metadata.annotations, { [restartedAtAnnotation]: '2026-01-01T00:00:00Z' });
      }),
      'Restart',
      [],
      { kind: 'recreate', reasons: ['metadata.annotations["tikv.org/restartedAt"] changed: restart requested'] },
    ],
    [
      'recreate reports only the changes that need it',
      change((t) => {
        t.metadata.labels.team = 'b';
        t.spec.resources.cpu = '4';
      }),
      'Restart',
      [],
      { kind: 'recreate', reasons: ['spec.resources.cpu changed'] },
    ],
  ])('%s', (_name, desired, strategy, reloadable, expected) => {
    expect(decide(desired, strategy, reloadable)).toEqual(expected);
  });

  test('a Pod without a recorded template is recreated', () => {
    expect(decideInstanceUpdate({ applied: undefined, desired: applied, configUpdateStrategy: 'Restart' })).toEqual({
      kind: 'recreate',
      reasons: ['the Pod has no record of the template it was created from'],
    });
  });

  test('custom rules replace the defaults', () => {
    const desired = change((t) => {
      t.metadata.labels.team = 'b';
    });
    const rules = { inPlace: [], config: [], restartAnnotations: [] };
    expect(decideInstanceUpdate({ applied, desired, configUpdateStrategy: 'Restart', rules }).kind).toBe('recreate');
  });
});
