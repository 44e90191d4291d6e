// The legacy typed config -> TOML: one table row per quirk of the legacy API (renamed keys, string booleans, keys
// it dropped, keys it wrote under names the component ignores), and the generic rules (managed keys, types).
import { describe, expect, test } from 'bun:test';
import { parse } from 'smol-toml';
import { validatePDConfig } from '../pd/api.ts';
import { validateTiKVConfig } from '../tikv/api.ts';
import { type LegacyComponent, renderToml, translateLegacyConfig } from './config.ts';
import {
  configFieldPaths,
  pdConfigSchema,
  type ScalarType,
  tikvConfigSchema,
  type ValueType,
} from './config-schema.ts';

function translate(component: LegacyComponent, config: unknown) {
  const result = translateLegacyConfig(component, config);
  const toml = renderToml(result.table);
  const validation =
    toml === undefined ? undefined : (component === 'pd' ? validatePDConfig : validateTiKVConfig)(toml);
  if (validation && !validation.ok) throw new Error(`invalid TOML: ${JSON.stringify(validation.errors)}`);
  return { ...result, toml, parsed: (toml === undefined ? {} : parse(toml)) as Record<string, unknown> };
}

/** The value at a dotted TOML path of a parsed document. */
function at(doc: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);
}

/** A nested YAML map with one value at a dotted path. */
function nested(path: string, value: unknown): Record<string, unknown> {
  return path
    .split('.')
    .reverse()
    .reduce<unknown>((inner, key) => ({ [key]: inner }), value) as Record<string, unknown>;
}

describe('renamed keys (the legacy YAML name differs from the TOML name the component reads)', () => {
  test.each([
    ['pd', 'auto-compaction-retention-v2', '1h', 'auto-compaction-retention'],
    ['pd', 'tikv-interval', '500ms', 'tick-interval'],
    ['tikv', 'security.encryption.previous-master-key.type', 'file', 'security.encryption.previous-master-key.type'],
  ] as const)('%s %s is written as %s', (component, yamlPath, value, tomlPath) => {
    const { parsed, warnings } = translate(component, nested(yamlPath, value));
    expect(at(parsed, tomlPath)).toBe(value);
    expect(warnings).toEqual([]);
  });

  test('schedule.schedulers-v2 becomes the array of tables schedule.schedulers', () => {
    const { toml, parsed } = translate('pd', {
      schedule: {
        'schedulers-v2': [
          { type: 'balance-leader-scheduler' },
          { type: 'evict-leader-scheduler', args: ['1'], disable: true },
        ],
      },
    });
    expect(toml).toContain('[[schedule.schedulers]]');
    expect(at(parsed, 'schedule.schedulers')).toEqual([
      { type: 'balance-leader-scheduler' },
      { type: 'evict-leader-scheduler', args: ['1'], disable: true },
    ]);
  });

  test('previous-master-key keeps its name: the misspelt previoud-master-key tag sits on a struct the legacy API never used', () => {
    const { toml } = translate('tikv', {
      security: { encryption: { 'previous-master-key': { type: 'file', path: '/keys/old' } } },
    });
    expect(toml).toContain('[security.encryption.previous-master-key]');
    expect(toml).not.toContain('previoud');
  });

  test.each(['master-key', 'previous-master-key'])(
    'KMS %s credentials are not carried: secret-access-key was written as access-key, which TiKV has no use for',
    (key) => {
      const { parsed, warnings } = translate('tikv', {
        security: {
          encryption: {
            [key]: { type: 'kms', 'key-id': 'k1', region: 'us-west-2', 'access-key': 'AK', 'secret-access-key': 'SK' },
          },
        },
      });
      expect(at(parsed, `security.encryption.${key}`)).toEqual({ type: 'kms', 'key-id': 'k1', region: 'us-west-2' });
      expect(warnings.map((w) => w.field)).toEqual([
        `spec.tikv.config.security.encryption.${key}.access-key`,
        `spec.tikv.config.security.encryption.${key}.secret-access-key`,
      ]);
      expect(warnings[1]?.reason).toContain('wrote it under the TOML key access-key');
      expect(JSON.stringify(parsed)).not.toContain('SK');
    },
  );
});

describe('string booleans (declared `,string` in the legacy API: YAML holds "true"/"false")', () => {
  const stringBooleans = [
    'replication.strictly-match-label',
    'replication.enable-placement-rules',
    'schedule.disable-raft-learner',
    'schedule.disable-remove-down-replica',
    'schedule.disable-replace-offline-replica',
    'schedule.disable-make-up-replica',
    'schedule.disable-remove-extra-replica',
    'schedule.disable-location-replacement',
    'schedule.disable-namespace-relocation',
    'schedule.enable-one-way-merge',
    'schedule.enable-cross-table-merge',
    'pd-server.use-region-storage',
  ];

  test('the table lists every string boolean of the PD schema', () => {
    const fromSchema: string[] = [];
    const walk = (fields: typeof pdConfigSchema.fields, prefix: string) => {
      for (const [key, field] of Object.entries(fields)) {
        if (field.type === 'stringBool') fromSchema.push(`${prefix}${key}`);
        if (typeof field.type === 'object' && field.type.kind === 'table') walk(field.type.fields, `${prefix}${key}.`);
      }
    };
    walk(pdConfigSchema.fields, '');
    expect(fromSchema.sort()).toEqual([...stringBooleans].sort());
  });

  test.each(stringBooleans.flatMap((path) => [[path, 'true', true] as const, [path, 'false', false] as const]))(
    '%s: "%s" becomes the TOML boolean %p',
    (path, value, expected) => {
      const { parsed, warnings, toml } = translate('pd', nested(path, value));
      expect(at(parsed, path)).toBe(expected);
      expect(toml).toContain(`= ${expected}\n`);
      expect(warnings.filter((w) => !w.reason.startsWith('carried, but PD reads it'))).toEqual([]);
    },
  );

  test('a bare boolean is carried with a warning: the legacy operator could not decode it', () => {
    const { parsed, warnings } = translate('pd', { 'pd-server': { 'use-region-storage': true } });
    expect(at(parsed, 'pd-server.use-region-storage')).toBe(true);
    expect(warnings).toEqual([
      { field: 'spec.pd.config.pd-server.use-region-storage', reason: expect.stringContaining('carried as a boolean') },
    ]);
  });

  test('any other string is not carried', () => {
    const { toml, warnings } = translate('pd', { 'pd-server': { 'use-region-storage': 'yes' } });
    expect(toml).toBeUndefined();
    expect(warnings[0]?.reason).toStartWith('expected the string "true" or "false", got the string "yes"');
  });
});

describe('keys the running cluster never had are not carried, each with a warning', () => {
  test.each([
    ['pd', 'tick-interval', '500ms', 'the legacy API reads this setting as tikv-interval'],
    ['pd', 'auto-compaction-retention', '1h', 'auto-compaction-retention-v2'],
    ['pd', 'schedule.schedulers', [{ type: 'x' }], 'schedule.schedulers-v2'],
    ['pd', 'schedule.no-such-key', 1, 'unknown to the legacy operator'],
    ['tikv', 'raftstore.capacity', '10GB', 'the legacy operator always passed --capacity'],
    ['tikv', 'storage.engine', 'raft-kv2', 'unknown to the legacy operator'],
    ['tikv', 'gc.batch-keys', 512, 'its field tag starts with a tab character'],
    ['tikv', 'gc.max-write-bytes-per-sec', '1MB', 'its field tag starts with a tab character'],
    ['tikv', 'rocksdb.defaultcf.titan.level_merge', true, 'TiKV reads `level-merge`'],
    ['tikv', 'rocksdb.writecf.titan.level_merge', true, 'TiKV reads `level-merge`'],
  ] as const)('%s %s', (component, path, value, reason) => {
    const { toml, warnings } = translate(component, nested(path, value));
    expect(toml).toBeUndefined();
    expect(warnings).toEqual([{ field: `spec.${component}.config.${path}`, reason: expect.stringContaining(reason) }]);
    expect(warnings[0]?.reason).toContain('the running cluster never had it');
  });

  test('a value of the wrong type is not carried: the legacy operator could not decode it', () => {
    const { toml, warnings } = translate('tikv', {
      server: { 'grpc-concurrency': '4' },
      raftstore: { 'sync-log': 'true' },
      rocksdb: { defaultcf: { 'compression-per-level': 'lz4' } },
      storage: 'fast',
    });
    expect(toml).toBeUndefined();
    expect(warnings.map((w) => [w.field, w.reason.split(';')[0]])).toEqual([
      ['spec.tikv.config.server.grpc-concurrency', 'expected an integer, got the string "4"'],
      ['spec.tikv.config.raftstore.sync-log', 'expected true or false, got the string "true"'],
      ['spec.tikv.config.rocksdb.defaultcf.compression-per-level', 'expected a list of strings, got the string "lz4"'],
      ['spec.tikv.config.storage', 'expected a map of settings, got the string "fast"'],
    ]);
  });

  test('a config that is not a map is not carried', () => {
    const result = translateLegacyConfig('pd', 'lease = 3');
    expect(result.table).toEqual({});
    expect(result.warnings).toEqual([
      { field: 'spec.pd.config', reason: expect.stringContaining('a map of settings') },
    ]);
  });
});

describe('keys the new operator manages are dropped with a warning', () => {
  test.each([
    ['tikv', 'pd.endpoints', ['http://basic-pd:2379']],
    ['tikv', 'server.addr', '0.0.0.0:20160'],
    ['tikv', 'server.advertise-addr', 'basic-tikv-0:20160'],
    ['tikv', 'server.status-addr', '0.0.0.0:20180'],
    ['tikv', 'storage.data-dir', '/var/lib/tikv'],
    ['pd', 'name', 'basic-pd-0'],
    ['pd', 'data-dir', '/var/lib/pd'],
    ['pd', 'initial-cluster', 'a=http://a:2380'],
    ['pd', 'join', 'http://basic-pd:2379'],
  ] as const)('%s %s', (component, path, value) => {
    const { toml, warnings } = translate(component, nested(path, value));
    expect(toml).toBeUndefined();
    expect(warnings).toEqual([
      { field: `spec.${component}.config.${path}`, reason: 'not carried: the new operator sets it for every instance' },
    ]);
  });

  test('force-new-cluster is never carried: a migrated PD must join the existing cluster', () => {
    const { toml, warnings } = translate('pd', { 'force-new-cluster': true, lease: 3 });
    expect(toml).toBe('lease = 3\n');
    expect(warnings).toEqual([
      { field: 'spec.pd.config.force-new-cluster', reason: expect.stringContaining('must join the existing cluster') },
    ]);
  });
});

describe('values', () => {
  test('integers stay integers and floats keep a decimal point (PD refuses an integer for a float)', () => {
    const { toml } = translate('pd', {
      schedule: { 'tolerant-size-ratio': 5, 'low-space-ratio': 0.8, 'leader-schedule-limit': 4 },
    });
    expect(toml).toContain('tolerant-size-ratio = 5.0\n');
    expect(toml).toContain('low-space-ratio = 0.8\n');
    expect(toml).toContain('leader-schedule-limit = 4\n');
  });

  test('YAML nulls and empty tables are no setting', () => {
    expect(translate('tikv', { 'log-level': null, server: {}, rocksdb: { defaultcf: {} } }).toml).toBeUndefined();
    expect(translate('tikv', {}).toml).toBeUndefined();
    expect(translate('tikv', undefined).toml).toBeUndefined();
  });

  test('maps of named tables and lists of tables', () => {
    const { parsed } = translate('pd', {
      namespace: { ns1: { 'max-replicas': 5 } },
      'label-property': { reject: [{ key: 'zone', value: 'cn1' }] },
      schedule: { 'schedulers-payload': { balance: '{}' } },
    });
    expect(parsed.namespace).toEqual({ ns1: { 'max-replicas': 5 } });
    expect(parsed['label-property']).toEqual({ reject: [{ key: 'zone', value: 'cn1' }] });
    expect(at(parsed, 'schedule.schedulers-payload')).toEqual({ balance: '{}' });
  });

  test('TiKV server.labels become store labels instead of config', () => {
    const result = translate('tikv', { server: { labels: { disk: 'ssd' }, 'grpc-concurrency': 4 } });
    expect(result.serverLabels).toEqual({ disk: 'ssd' });
    expect(result.parsed).toEqual({ server: { 'grpc-concurrency': 4 } });
  });

  test('PD schedule and replication are carried with a warning: PD applies them only at bootstrap', () => {
    const { parsed, warnings } = translate('pd', {
      schedule: { 'max-store-down-time': '30m' },
      replication: { 'max-replicas': 3 },
    });
    expect(parsed).toEqual({ schedule: { 'max-store-down-time': '30m' }, replication: { 'max-replicas': 3 } });
    expect(warnings.map((w) => w.field)).toEqual(['spec.pd.config.schedule', 'spec.pd.config.replication']);
    expect(warnings[0]?.reason).toContain('pd-ctl');
  });
});

describe('every key of the legacy config schemas is carried or warned about', () => {
  const sample = (type: ValueType): unknown => {
    if (typeof type === 'string') {
      const samples: Record<ScalarType, unknown> = {
        string: 'sample',
        bool: true,
        stringBool: 'true',
        int: 7,
        float: 0.5,
        strings: ['a', 'b'],
        stringMap: { key: 'value' },
      };
      return samples[type];
    }
    if (type.kind === 'mapOf') return { entry: sample(type.value) };
    if (type.kind === 'listOf') return [sample(type.item)];
    const [key, field] = Object.entries(type.fields)[0] ?? [];
    return { [key ?? '']: sample(field?.type ?? 'string') };
  };
  /** The TOML value expected for a sample: booleans for string booleans, the rest as written. */
  const expected = (type: ValueType, value: unknown): unknown => {
    if (type === 'stringBool') return value === 'true';
    if (typeof type === 'object' && type.kind === 'mapOf') {
      return Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, expected(type.value, v)]));
    }
    return value;
  };
  const cases = (['pd', 'tikv'] as const).flatMap((component) => {
    const schema = component === 'pd' ? pdConfigSchema : tikvConfigSchema;
    return configFieldPaths(schema)
      .filter(([, field]) => typeof field.type === 'string' || field.type.kind !== 'table')
      .map(([path, field]) => {
        const tomlPath: string[] = [];
        let fields = schema.fields;
        for (const key of path) {
          const entry = fields[key];
          tomlPath.push(entry?.toml ?? key);
          if (entry && typeof entry.type === 'object' && entry.type.kind === 'table') fields = entry.type.fields;
        }
        return [component, path.join('.'), tomlPath, field.type] as const;
      });
  });

  test('there is a case for every key (hundreds, not a handful)', () => {
    expect(cases.length).toBeGreaterThan(300);
  });

  test.each(cases)('%s %s', (component, path, tomlPath, type) => {
    const value = sample(type);
    const result = translate(component, nested(path, value));
    const warned = result.warnings.some((w) => w.field.startsWith(`spec.${component}.config.${path}`));
    if (component === 'tikv' && path === 'server.labels') {
      expect(result.serverLabels).toEqual(value as Record<string, string>);
      return;
    }
    if (warned) {
      const carried = at(result.parsed, tomlPath.join('.'));
      // A warned key is either left out or, for the few warnings that only explain, carried exactly.
      if (carried !== undefined) expect(carried as object).toEqual(expected(type, value) as object);
      return;
    }
    expect(at(result.parsed, tomlPath.join('.')) as object).toEqual(expected(type, value) as object);
  });
});

describe('schemas', () => {
  test('TiKV top-level sections are those of the legacy TiKVConfig', () => {
    expect(Object.keys(tikvConfigSchema.fields)).toEqual([
      'log-level',
      'log-file',
      'slow-log-file',
      'slow-log-threshold',
      'log-rotation-timespan',
      'log-rotation-size',
      'refresh-config-interval',
      'panic-when-unexpected-key-or-data',
      'server',
      'storage',
      'raftstore',
      'rocksdb',
      'coprocessor',
      'readpool',
      'raftdb',
      'import',
      'gc',
      'pd',
      'security',
      'pessimistic-txn',
    ]);
  });
});
