import { describe, expect, test } from 'bun:test';
import { configField, managedKeyMessage, managedKeyPattern, managedKeyRules, validateTomlConfig } from './config.ts';
import { toOpenApi } from './json-schema.ts';
import { celValidations } from './rules.ts';

const managed = ['name', 'data-dir', 'server.addr', 'pd.endpoints'] as const;

describe('validateTomlConfig', () => {
  test('accepts a config without managed keys and returns it parsed', () => {
    const result = validateTomlConfig('[server]\ngrpc-concurrency = 8\nlabels = { disk = "ssd" }\n', managed);
    expect(result).toEqual({ ok: true, config: { server: { 'grpc-concurrency': 8, labels: { disk: 'ssd' } } } });
  });

  test('accepts an empty config', () => {
    expect(validateTomlConfig('', managed).ok).toBe(true);
  });

  test('reports TOML that does not parse with its line, and no key', () => {
    const result = validateTomlConfig('[server]\naddr = \n', managed);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]?.key).toBeUndefined();
    expect(result.errors[0]?.message).toMatch(/^config is not valid TOML: line 2/);
  });

  test.each([
    ['a table', '[server]\naddr = "0.0.0.0:20160"\n'],
    ['a dotted key', 'server.addr = "0.0.0.0:20160"\n'],
    ['an inline table', 'server = { addr = "0.0.0.0:20160" }\n'],
    ['quoted key parts', '"server"."addr" = "x"\n'],
  ])('finds a nested managed key set through %s', (_, toml) => {
    expect(validateTomlConfig(toml, managed)).toEqual({
      ok: false,
      errors: [{ key: 'server.addr', message: managedKeyMessage('server.addr') }],
    });
  });

  test('names every managed key that is set', () => {
    const result = validateTomlConfig('name = "pd-0"\ndata-dir = "/x"\n[pd]\nendpoints = ["a"]\n', managed);
    expect(result.ok ? [] : result.errors.map((e) => e.key)).toEqual(['name', 'data-dir', 'pd.endpoints']);
  });

  test('does not confuse a managed key with a key of the same name in another table', () => {
    expect(validateTomlConfig('[log]\nname = "x"\n[server]\nstatus-addr = "x"\n', managed).ok).toBe(true);
  });
});

// The admission rules match TOML text with a regex. For the forms the regex covers, it must agree with the parser.
describe('managedKeyPattern', () => {
  const rejected: [string, string][] = [
    ['name', 'name = "pd-0"'],
    ['name', '  name="pd-0"'],
    ['name', '# comment\n\nlease = 3\nname = "pd-0"\n[schedule]\nx = 1\n'],
    ['name', '"name" = "pd-0"'],
    ['name', "'name' = 'pd-0'"],
    ['name', 'lease = 3\r\nname = "pd-0"\r\n'],
    ['data-dir', 'data-dir = "/x"'],
    ['server.addr', '[server]\naddr = "x"'],
    ['server.addr', '[server]\ngrpc-concurrency = 4\n\n# why\naddr = "x"\n'],
    ['server.addr', '[ server ]  # the server\naddr = "x"'],
    ['server.addr', 'server.addr = "x"'],
    ['server.addr', 'server . addr = "x"'],
    ['server.addr', '[log]\nlevel = "info"\n[server]\naddr = "x"'],
    ['server.addr', '[server]\nlabels = [\n  "a",\n]\naddr = "x"'],
    ['pd.endpoints', '[pd]\nendpoints = ["http://pd:2379"]'],
  ];
  const accepted: [string, string][] = [
    ['name', '[log]\nname = "x"'],
    ['name', 'lease = 3\n[replication]\nname = "x"'],
    ['name', 'names = 1'],
    ['name', 'name-suffix = 1'],
    ['data-dir', '[log.file]\ndata-dir = "/x"'],
    ['server.addr', '[server]\nstatus-addr = "x"\nadvertise-addr = "y"'],
    ['server.addr', '[server.labels]\naddr = "x"'],
    ['server.addr', '[server]\ngrpc = 1\n[log]\naddr = "x"'],
    ['server.addr', 'addr = "x"'],
    ['server.addr', '[[server]]\naddr = "x"'],
    ['pd.endpoints', '[pd]\nretry-interval = "1s"'],
  ];

  test.each(rejected)('finds %s in %p, as the parser does', (key, toml) => {
    expect(new RegExp(managedKeyPattern(key)).test(toml)).toBe(true);
    expect(validateTomlConfig(toml, [key]).ok).toBe(false);
  });

  test.each(accepted)('does not find %s in %p, as the parser does not', (key, toml) => {
    expect(new RegExp(managedKeyPattern(key)).test(toml)).toBe(false);
    expect(validateTomlConfig(toml, [key]).ok).toBe(true);
  });

  test('misses keys inside inline tables, which only the parser finds (documented limit)', () => {
    const toml = 'server = { addr = "x" }';
    expect(new RegExp(managedKeyPattern('server.addr')).test(toml)).toBe(false);
    expect(validateTomlConfig(toml, ['server.addr']).ok).toBe(false);
  });

  test('uses only syntax that RE2 accepts: no lookaround, no backreferences, no inline flags', () => {
    for (const key of managed) {
      const pattern = managedKeyPattern(key);
      expect(pattern).not.toMatch(/\(\?[=!<]|\\[1-9]|\(\?[a-z]/);
    }
  });
});

describe('managedKeyRules', () => {
  test('has one CEL rule per key whose message names the key', () => {
    const rules = celValidations(managedKeyRules(managed));
    expect(rules).toHaveLength(managed.length);
    managed.forEach((key, i) => {
      expect(rules[i]?.message).toBe(`config must not set ${key}: the operator manages it`);
      expect(rules[i]?.rule).toBe(`!self.matches(r'${managedKeyPattern(key)}')`);
    });
  });

  test('keeps single quotes out of the pattern so the CEL raw string cannot end early', () => {
    for (const key of managed) expect(managedKeyPattern(key)).not.toContain("'");
  });

  test('its runtime check rejects exactly what the pattern matches', () => {
    const [nameRule] = managedKeyRules(['name']);
    expect(nameRule?.check?.('name = "x"')).toBe(false);
    expect(nameRule?.check?.('[log]\nname = "x"')).toBe(true);
  });
});

describe('configField', () => {
  test('is a string whose description lists the managed keys', () => {
    const schema = toOpenApi(configField(managed, 'Widget'));
    expect(schema.type).toBe('string');
    expect(schema.description).toContain('name, data-dir, server.addr, pd.endpoints');
    expect(schema['x-kubernetes-validations']).toHaveLength(managed.length);
  });
});
