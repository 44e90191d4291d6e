import { describe, expect, test } from 'bun:test';
import { MAX_VOLUME_NAME_LENGTH } from './names.ts';
import { resolveImage } from './template.ts';
import { celMessagesAt, celRulesAt, issuesOf, parsedOk } from './testdata/expect.ts';
import { widgetGroupKind, widgetGroupWithTemplate } from './testdata/widget.ts';

const issues = (templateSpec: Record<string, unknown>) =>
  issuesOf(widgetGroupKind, widgetGroupWithTemplate(templateSpec)).join('\n');
const T = 'spec.template.spec';
const data = { name: 'data', storage: '10Gi' };

describe('template version and image', () => {
  test.each(['v8.5.0', '8.5.0', 'v8.5.0-alpha.1', 'v8.5.0+build.7', 'v10.0.12-rc.1+sha.abc'])(
    'accepts version %s',
    (version) => {
      expect(issues({ version })).toBe('');
    },
  );

  test.each(['latest', 'v8.5', 'v08.5.0', 'V8.5.0', 'v8.5.0-', 'nightly'])('rejects version %s', (version) => {
    expect(issues({ version })).toContain(`${T}.version: version must be a semantic version such as v8.5.0`);
  });

  test('resolveImage tags the component repository with the version, adding the leading v', () => {
    expect(resolveImage({ version: '8.5.0' }, 'pingcap/tikv')).toBe('pingcap/tikv:v8.5.0');
    expect(resolveImage({ version: 'v8.5.0' }, 'pingcap/tikv')).toBe('pingcap/tikv:v8.5.0');
    expect(resolveImage({ version: 'v8.5.0', image: 'mirror/tikv:custom' }, 'pingcap/tikv')).toBe('mirror/tikv:custom');
  });
});

describe('template resources', () => {
  test('accept quantities written as numbers or strings', () => {
    expect(issues({ resources: { cpu: 2, memory: '8Gi' } })).toBe('');
    expect(issues({ resources: { cpu: '500m' } })).toBe('');
  });

  test.each([
    ['a cpu with a unit word', { cpu: '2 cores' }, `${T}.resources.cpu:`],
    ['a negative memory', { memory: -1 }, `${T}.resources.memory:`],
    ['a fractional number (write "1500m")', { cpu: 1.5 }, `${T}.resources.cpu:`],
  ])('rejects %s', (_, resources, issue) => {
    expect(issues({ resources })).toContain(issue);
  });
});

describe('template volumes', () => {
  test('require a volume named data, at runtime and in the CRD', () => {
    expect(issues({ volumes: [{ name: 'wal', storage: '1Gi', mounts: [{ mountPath: '/wal' }] }] })).toContain(
      `${T}.volumes: volumes must include a volume named data`,
    );
    expect(issues({ volumes: [] })).toContain('volumes must include a volume named data');
    expect(celRulesAt(widgetGroupKind, T)).toContain("self.volumes.exists(v, v.name == 'data')");
  });

  test('reject duplicate names', () => {
    expect(issues({ volumes: [data, data] })).toContain(`${T}.volumes: entries must have unique names`);
  });

  test('require mounts on every volume but data', () => {
    expect(issues({ volumes: [data, { name: 'wal', storage: '1Gi' }] })).toContain(
      `${T}.volumes.1.mounts: mounts must not be empty: only the data volume has a default mount path`,
    );
    expect(celMessagesAt(widgetGroupKind, `${T}.volumes[]`)).toContain(
      'mounts must not be empty: only the data volume has a default mount path',
    );
  });

  test.each([
    ['a storage of 0', { ...data, storage: '0' }, 'storage must be greater than 0'],
    ['a storage that is not a quantity', { ...data, storage: '10GB' }, 'must be a quantity such as 10Gi'],
    ['a relative mount path', { ...data, mounts: [{ mountPath: 'data' }] }, 'mountPath must be an absolute path'],
    [
      'an absolute subPath',
      { ...data, mounts: [{ mountPath: '/d', subPath: '/x' }] },
      'subPath must be a relative path',
    ],
    ['an upper-case name', { ...data, name: 'Data' }, 'volume name must be a DNS label'],
    [
      'a name too long for `<volume>-<instance>`',
      { ...data, name: `d${'x'.repeat(MAX_VOLUME_NAME_LENGTH)}` },
      `volume name must be a DNS label of at most ${MAX_VOLUME_NAME_LENGTH} characters`,
    ],
  ])('reject %s', (_, volume, issue) => {
    expect(issues({ volumes: [volume] })).toContain(issue);
  });

  test('carry the storage rules, including expand-only with quantity(), in the CRD', () => {
    expect(celRulesAt(widgetGroupKind, `${T}.volumes[].storage`)).toEqual([
      "!isQuantity(self) || quantity(self).isGreaterThan(quantity('0'))",
      '!isQuantity(self) || !isQuantity(oldSelf) || quantity(self).compareTo(quantity(oldSelf)) >= 0',
    ]);
    expect(celRulesAt(widgetGroupKind, `${T}.volumes[]`)).toContain(
      '!has(oldSelf.volumeAttributesClassName) || has(self.volumeAttributesClassName)',
    );
  });
});

describe('template config', () => {
  test('rejects a managed key with a message naming it', () => {
    expect(issues({ config: '[server]\naddr = "0.0.0.0:1"\n' })).toContain(
      `${T}.config: config must not set server.addr: the operator manages it`,
    );
    expect(celMessagesAt(widgetGroupKind, `${T}.config`)).toEqual([
      'config must not set name: the operator manages it',
      'config must not set server.addr: the operator manages it',
    ]);
  });

  test('accepts other keys, and TOML that does not parse (the controllers report that)', () => {
    expect(issues({ config: '[server]\ngrpc-concurrency = 4\n' })).toBe('');
    expect(issues({ config: '[server\n' })).toBe('');
  });

  test('rejects a config longer than the CEL cost budget allows', () => {
    expect(issues({ config: '#'.repeat(64 * 1024 + 1) })).toContain('config must be at most 65536 characters');
  });

  test('accepts both config update strategies and nothing else', () => {
    expect(issues({ configUpdateStrategy: 'HotReload' })).toBe('');
    expect(issues({ configUpdateStrategy: 'Never' })).toContain(`${T}.configUpdateStrategy:`);
  });
});

describe('template overlay', () => {
  test('accepts a Pod spec as free-form data and keeps it as written', () => {
    const spec = { tolerations: [{ key: 'k', operator: 'Exists' }], priorityClassName: 'high' };
    const parsed = parsedOk(widgetGroupKind, widgetGroupWithTemplate({ overlay: { pod: { spec } } }));
    expect(parsed.spec.template.spec.overlay?.pod?.spec).toEqual(spec);
  });

  test('rejects operator-owned keys in Pod and PVC metadata', () => {
    expect(issues({ overlay: { pod: { metadata: { annotations: { 'tikv.org/priority': '1' } } } } })).toContain(
      `${T}.overlay.pod.metadata.annotations: annotations must not use the tikv.org/ prefix`,
    );
    expect(
      issues({
        overlay: { volumeClaims: [{ name: 'data', volumeClaim: { metadata: { labels: { 'tikv.org/x': 'y' } } } }] },
      }),
    ).toContain('labels must not use the tikv.org/ prefix');
  });

  test('rejects a PVC overlay for a volume the template does not have', () => {
    expect(issues({ overlay: { volumeClaims: [{ name: 'wal', volumeClaim: {} }] } })).toContain(
      `${T}.overlay.volumeClaims: overlay.volumeClaims names must name volumes in volumes`,
    );
    expect(
      issues({ overlay: { volumeClaims: [{ name: 'data', volumeClaim: { spec: { volumeMode: 'Block' } } }] } }),
    ).toBe('');
  });
});
