// Legacy typed config (a YAML map under spec.pd.config / spec.tikv.config) -> the TOML the new API takes. The rule
// is "the new config holds what the running legacy cluster had": keys are renamed to the names the legacy
// operator wrote (config-schema.ts), `,string` booleans become booleans, and everything the legacy operator did
// not hand to the component (unknown keys, keys it wrote under a name the component ignores, values it could not
// decode) is left out with a warning, as are the keys the new operator sets itself. Nothing is dropped silently.
import { stringify } from 'smol-toml';
import { PD_MANAGED_CONFIG_KEYS } from '../pd/api.ts';
import { TIKV_MANAGED_CONFIG_KEYS } from '../tikv/api.ts';
import {
  type ConfigField,
  pdConfigSchema,
  type ScalarType,
  type TableType,
  tikvConfigSchema,
  type ValueType,
} from './config-schema.ts';

export type LegacyComponent = 'pd' | 'tikv';

/** A legacy field that is not carried over as it was, and why. */
export interface ConversionWarning {
  /** Path in the legacy object: `spec.tikv.config.raftstore.sync-log`. */
  field: string;
  reason: string;
}

export interface ConfigTranslation {
  /** The settings carried, as TOML keys (render with `renderToml`; integers are bigints). */
  table: TomlTable;
  /** TiKV `server.labels`: store labels, which the new API sets in `storeLabels` (undefined for PD or when unset). */
  serverLabels: Record<string, string> | undefined;
  warnings: ConversionWarning[];
}

/** A TOML table under construction: integers are bigints so that floats can be written with a decimal point. */
export type TomlTable = { [key: string]: TomlValue };
export type TomlValue = string | boolean | bigint | number | string[] | TomlTable | TomlTable[];

const schemas: Record<LegacyComponent, TableType> = { pd: pdConfigSchema, tikv: tikvConfigSchema };
const managedKeys: Record<LegacyComponent, ReadonlySet<string>> = {
  pd: new Set(PD_MANAGED_CONFIG_KEYS),
  tikv: new Set(TIKV_MANAGED_CONFIG_KEYS),
};

const NOT_CARRIED = 'so the running cluster never had it: not carried (add it to the new config to set it)';

/** Keys (YAML dotted paths) that are known but handled apart from the generic translation. */
const specialKeys: Record<LegacyComponent, Readonly<Record<string, string>>> = {
  pd: {
    'force-new-cluster':
      'not carried: it makes a PD member start a new one-member cluster from its data, and a migrated PD must join the existing cluster',
  },
  tikv: {
    'security.encryption.master-key.access-key': awsKeyReason('access-key'),
    'security.encryption.master-key.secret-access-key': awsKeyReason('secret-access-key'),
    'security.encryption.previous-master-key.access-key': awsKeyReason('access-key'),
    'security.encryption.previous-master-key.secret-access-key': awsKeyReason('secret-access-key'),
  },
};

function awsKeyReason(key: string): string {
  const writtenAs = key === 'secret-access-key' ? ' (the legacy operator wrote it under the TOML key access-key)' : '';
  return `not carried: TiKV's KMS master key has no ${key} setting${writtenAs}; give TiKV AWS credentials through the environment (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY from a Secret, in overlay.pod.spec) or an instance role, which also keeps the secret out of the ConfigMap`;
}

/** Hints for keys the legacy operator did not know but users plausibly wrote (YAML dotted paths). */
const unknownKeyHints: Record<LegacyComponent, Readonly<Record<string, string>>> = {
  pd: {
    'tick-interval': 'the legacy API reads this setting as tikv-interval',
    'auto-compaction-retention': 'the legacy API reads this setting as auto-compaction-retention-v2',
    'schedule.schedulers': 'the legacy API reads this setting as schedule.schedulers-v2',
  },
  tikv: {
    'raftstore.capacity':
      'the legacy operator always passed --capacity, computed from spec.tikv.limits.storage and 0 when unset, which overrides it; the converter carries spec.tikv.limits.storage instead',
    'rocksdb.titan.level-merge': 'the legacy API has no such key',
    'security.encryption.previoud-master-key': 'the legacy API reads it as previous-master-key',
  },
};

/**
 * PD applies `schedule` and `replication` from its config file only when it bootstraps a cluster; afterwards it
 * keeps what it stored (the legacy API refused changes to them for that reason).
 */
const bootstrapOnlySections: Record<LegacyComponent, readonly string[]> = { pd: ['schedule', 'replication'], tikv: [] };

export function translateLegacyConfig(
  component: LegacyComponent,
  input: unknown,
  fieldPath = `spec.${component}.config`,
): ConfigTranslation {
  const warnings: ConversionWarning[] = [];
  if (input === undefined || input === null) return { table: {}, serverLabels: undefined, warnings };
  if (!isPlainObject(input)) {
    warnings.push({
      field: fieldPath,
      reason: `${mismatch('a map of settings', input)}; the legacy operator could not decode it, ${NOT_CARRIED}`,
    });
    return { table: {}, serverLabels: undefined, warnings };
  }
  const ctx: Context = { component, warnings, serverLabels: undefined };
  const table = translateTable(ctx, input, schemas[component], { yaml: [], toml: [], field: fieldPath });
  for (const section of bootstrapOnlySections[component]) {
    if (table[section] === undefined) continue;
    warnings.push({
      field: `${fieldPath}.${section}`,
      reason:
        'carried, but PD reads it from the file only when it bootstraps a new cluster: a running cluster keeps the values PD stored, which you change with pd-ctl',
    });
  }
  return { table, serverLabels: ctx.serverLabels, warnings };
}

/** The TOML text of a translated table; undefined when it holds no setting. */
export function renderToml(table: TomlTable): string | undefined {
  return Object.keys(table).length > 0 ? stringify(table, { numbersAsFloat: true }) : undefined;
}

interface Context {
  component: LegacyComponent;
  warnings: ConversionWarning[];
  serverLabels: Record<string, string> | undefined;
}

interface Position {
  /** YAML keys from the config root (table fields only; map and list entries are not part of it). */
  yaml: string[];
  /** TOML keys from the config root, for the managed-key check (undefined below maps and lists). */
  toml: string[] | undefined;
  /** Path of the field in the legacy object, for warnings. */
  field: string;
}

function translateTable(
  ctx: Context,
  input: Record<string, unknown>,
  schema: TableType,
  at: Position,
): Record<string, TomlValue> {
  const out: Record<string, TomlValue> = {};
  for (const [key, value] of Object.entries(input)) {
    // A YAML null is a Go nil pointer: no setting, nothing written.
    if (value === null || value === undefined) continue;
    const yaml = [...at.yaml, key];
    const field = `${at.field}.${key}`;
    const yamlDotted = yaml.join('.');
    const entry: ConfigField | undefined = Object.hasOwn(schema.fields, key) ? schema.fields[key] : undefined;
    const tomlKey = entry?.toml ?? key;
    const tomlPath = at.toml ? [...at.toml, tomlKey] : undefined;
    const warn = (reason: string) => ctx.warnings.push({ field, reason });

    if (tomlPath && managedKeys[ctx.component].has(tomlPath.join('.'))) {
      warn('not carried: the new operator sets it for every instance');
      continue;
    }
    const special = at.toml ? specialKeys[ctx.component][yamlDotted] : undefined;
    if (special !== undefined) {
      warn(special);
      continue;
    }
    if (entry === undefined) {
      const hint = at.toml ? unknownKeyHints[ctx.component][yamlDotted] : undefined;
      warn(`unknown to the legacy operator, which dropped it${hint ? ` (${hint})` : ''}, ${NOT_CARRIED}`);
      continue;
    }
    if (entry.neverApplied !== undefined) {
      warn(`${entry.neverApplied}, ${NOT_CARRIED}`);
      continue;
    }
    if (ctx.component === 'tikv' && yamlDotted === 'server.labels') {
      const labels = translateValue(ctx, value, entry.type, { yaml, toml: tomlPath, field });
      // Store labels have their own field in the new API (`storeLabels`); the converter moves them there.
      if (labels !== undefined) ctx.serverLabels = labels as Record<string, string>;
      continue;
    }
    const translated = translateValue(ctx, value, entry.type, { yaml, toml: tomlPath, field });
    if (translated !== undefined) out[tomlKey] = translated;
  }
  return out;
}

function translateValue(ctx: Context, value: unknown, type: ValueType, at: Position): TomlValue | undefined {
  const warn = (reason: string) => ctx.warnings.push({ field: at.field, reason });
  if (typeof type === 'string') {
    const scalar = translateScalar(value, type);
    if (scalar.warning) warn(scalar.warning);
    return scalar.value;
  }
  if (type.kind === 'table') {
    if (!isPlainObject(value)) {
      warn(`${mismatch('a map of settings', value)}; the legacy operator could not decode it, ${NOT_CARRIED}`);
      return undefined;
    }
    const table = translateTable(ctx, value, type, at);
    // An empty table is no setting; leaving it out keeps the file to what is set.
    return Object.keys(table).length > 0 ? table : undefined;
  }
  if (type.kind === 'mapOf') {
    if (!isPlainObject(value)) {
      warn(`${mismatch('a map of named entries', value)}; the legacy operator could not decode it, ${NOT_CARRIED}`);
      return undefined;
    }
    const out: TomlTable = {};
    for (const [name, entry] of Object.entries(value)) {
      if (entry === null || entry === undefined) continue;
      const translated = translateValue(ctx, entry, type.value, {
        yaml: at.yaml,
        toml: undefined,
        field: `${at.field}.${name}`,
      });
      if (translated !== undefined) out[name] = translated;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
  if (!Array.isArray(value)) {
    warn(`${mismatch('a list of tables', value)}; the legacy operator could not decode it, ${NOT_CARRIED}`);
    return undefined;
  }
  const items: TomlTable[] = [];
  value.forEach((item, index) => {
    const itemAt = { yaml: at.yaml, toml: undefined, field: `${at.field}[${index}]` };
    const translated = translateValue(ctx, item, type.item, itemAt);
    if (translated !== undefined) items.push(translated as TomlTable);
  });
  return items.length > 0 ? items : undefined;
}

interface ScalarResult {
  value: TomlValue | undefined;
  warning?: string;
}

function translateScalar(value: unknown, type: ScalarType): ScalarResult {
  const refuse = (expected: string): ScalarResult => ({
    value: undefined,
    warning: `${mismatch(expected, value)}; the legacy operator could not decode the cluster with it, ${NOT_CARRIED}`,
  });
  switch (type) {
    case 'string':
      return typeof value === 'string' ? { value } : refuse('a string');
    case 'bool':
      return typeof value === 'boolean' ? { value } : refuse('true or false');
    case 'stringBool':
      // The legacy API declared these as JSON strings holding a boolean (`"true"`); TOML wants a real boolean.
      if (value === 'true' || value === 'false') return { value: value === 'true' };
      if (typeof value === 'boolean') {
        return {
          value,
          warning:
            'carried as a boolean; note that the legacy API expected the string "true" or "false" here and could not decode a bare boolean, so the running cluster may not have had this value',
        };
      }
      return refuse('the string "true" or "false"');
    case 'int':
      if (typeof value === 'bigint') return { value };
      return typeof value === 'number' && Number.isInteger(value) ? { value: BigInt(value) } : refuse('an integer');
    case 'float':
      if (typeof value === 'bigint') return { value: Number(value) };
      return typeof value === 'number' && Number.isFinite(value) ? { value } : refuse('a number');
    case 'strings':
      return Array.isArray(value) && value.every((item) => typeof item === 'string')
        ? { value: [...value] }
        : refuse('a list of strings');
    case 'stringMap':
      return isPlainObject(value) && Object.values(value).every((item) => typeof item === 'string')
        ? { value: { ...(value as Record<string, string>) } }
        : refuse('a map of strings');
  }
}

function mismatch(expected: string, value: unknown): string {
  return `expected ${expected}, got ${describe(value)}`;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (isPlainObject(value)) return 'a map';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
