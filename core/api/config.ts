// Component config is a TOML string in the template. Keys the operator derives (addresses, data directory, peers)
// must not be set by users. Two checks exist on purpose:
// - at admission, one CEL rule per managed key matches the raw TOML text with a regular expression. CEL has no
//   TOML parser, so the regex covers the usual forms (`key = ...` before any table, `[table]` then `key = ...`,
//   dotted keys `table.key = ...`, quoted key parts) and misses inline tables (`server = { addr = "..." }`) and
//   keys hidden behind multi-line strings or arrays whose lines start with `[`;
// - in the controllers, `validateTomlConfig` parses the TOML and finds every managed key, whatever its form; a
//   failure there becomes a condition and an event and the operator changes no Pod.
import { parse, TomlError } from 'smol-toml';
import * as v from 'valibot';
import { type Rule, rules } from './rules.ts';

/** Longest config string accepted; it also bounds the cost of the CEL regex rules. */
export const MAX_CONFIG_LENGTH = 64 * 1024;

export interface ConfigIssue {
  /** The managed key that was set (dotted, `server.addr`); absent when the TOML does not parse. */
  key?: string;
  message: string;
}

export type ConfigValidation = { ok: true; config: Record<string, unknown> } | { ok: false; errors: ConfigIssue[] };

/** Parses a component's TOML config and rejects the keys the operator manages (dotted paths like `server.addr`). */
export function validateTomlConfig(toml: string, managedKeys: readonly string[]): ConfigValidation {
  let config: Record<string, unknown>;
  try {
    config = parse(toml) as Record<string, unknown>;
  } catch (err) {
    const detail =
      err instanceof TomlError ? `line ${err.line}, column ${err.column}: ${firstLine(err.message)}` : String(err);
    return { ok: false, errors: [{ message: `config is not valid TOML: ${detail}` }] };
  }
  const errors: ConfigIssue[] = managedKeys
    .filter((key) => hasPath(config, key.split('.')))
    .map((key) => ({ key, message: managedKeyMessage(key) }));
  return errors.length === 0 ? { ok: true, config } : { ok: false, errors };
}

export function managedKeyMessage(key: string): string {
  return `config must not set ${key}: the operator manages it`;
}

// A line that is not a table header (its first non-blank character is not `[`), including blank lines.
const OTHER_LINE = '[ \\t]*(?:[^\\[ \\t\\r\\n][^\\n]*)?\\r?\\n';
const DOT = '[ \\t]*\\.[ \\t]*';

/**
 * A regular expression (in the syntax shared by RE2 and JavaScript) that finds an assignment of the dotted key
 * in TOML text: before any table header, or in the section of a table header that is a prefix of the key.
 */
export function managedKeyPattern(key: string): string {
  const segments = key.split('.').map((s) => `[\\x22\\x27]?${escapeRegex(s)}[\\x22\\x27]?`);
  const forms: string[] = [];
  for (let split = 0; split < segments.length; split++) {
    const assignment = `[ \\t]*${segments.slice(split).join(DOT)}[ \\t]*=`;
    if (split === 0) {
      forms.push(`^(?:${OTHER_LINE})*${assignment}`);
    } else {
      const header = `(?:^|\\n)[ \\t]*\\[[ \\t]*${segments.slice(0, split).join(DOT)}[ \\t]*\\][ \\t]*(?:#[^\\n]*)?\\r?\\n`;
      forms.push(`${header}(?:${OTHER_LINE})*${assignment}`);
    }
  }
  return forms.map((f) => `(?:${f})`).join('|');
}

/** One admission rule per managed key, each naming its key. */
export function managedKeyRules(managedKeys: readonly string[]): Rule<string>[] {
  return managedKeys.map((key) => {
    const pattern = managedKeyPattern(key);
    const regex = new RegExp(pattern);
    return {
      cel: `!self.matches(r'${pattern}')`,
      message: managedKeyMessage(key),
      check: (self: string) => !regex.test(self),
    };
  });
}

/** The `config` field of a component template. */
export function configField(managedKeys: readonly string[], component: string) {
  return v.optional(
    v.pipe(
      v.string(),
      v.maxLength(MAX_CONFIG_LENGTH, `config must be at most ${MAX_CONFIG_LENGTH} characters`),
      v.description(
        `${component} configuration file (TOML). The operator adds the keys it manages (${managedKeys.join(', ')}); setting them is an error.`,
      ),
      rules(...managedKeyRules(managedKeys)),
    ),
  );
}

function hasPath(table: Record<string, unknown>, path: readonly string[]): boolean {
  let current: unknown = table;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null || Array.isArray(current) || !Object.hasOwn(current, segment)) {
      return false;
    }
    current = (current as Record<string, unknown>)[segment];
  }
  return true;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? text;
}
