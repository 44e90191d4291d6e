// Small field schemas shared by every kind: names, versions, quantities, string maps, free-form objects and
// list-maps. Each one is valid at runtime and converts to a structural CRD schema.
import * as v from 'valibot';
import { QUANTITY_PATTERN } from '../kube/quantity.ts';
import { DURATION_PATTERN } from './duration.ts';
import { isReservedKey, LABEL_PREFIX } from './labels.ts';
import { DNS1035_LABEL_PATTERN, MAX_CLUSTER_NAME_LENGTH } from './names.ts';
import { celString, rules, withRules } from './rules.ts';

/** Semantic version with an optional leading `v` (`v8.5.0`, `8.5.0`, `v8.5.0-alpha.1+build.2`). */
export const SEMVER_PATTERN =
  '^v?(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(-[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?(\\+[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?$';

/** A lower-case DNS-1035 label of at most `max` characters. */
export function dnsLabel(max: number, message: string) {
  return v.pipe(
    v.string(),
    v.minLength(1, message),
    v.maxLength(max, message),
    v.regex(new RegExp(DNS1035_LABEL_PATTERN), message),
  );
}

export function semverVersion() {
  return v.pipe(
    v.string(),
    v.regex(new RegExp(SEMVER_PATTERN), 'version must be a semantic version such as v8.5.0'),
    v.description('Version of the component, a semantic version with an optional leading `v`.'),
    v.examples(['v8.5.0']),
  );
}

/**
 * A quantity users may write as a number or a string (`cpu: 2`, `memory: 8Gi`): int-or-string in the CRD, like
 * Kubernetes' own resource.Quantity.
 */
export function quantity(description: string, examples: readonly (string | number)[]) {
  return v.pipe(
    v.union([
      v.pipe(v.number(), v.integer(), v.minValue(0)),
      v.pipe(v.string(), v.regex(new RegExp(QUANTITY_PATTERN), 'must be a quantity such as 500m, 2 or 8Gi')),
    ]),
    v.metadata({ 'x-kubernetes-int-or-string': true }),
    v.description(description),
    v.examples(examples),
  );
}

/** A quantity that is always a string, so CEL can read it with quantity(). */
export function quantityString(description: string, examples: readonly string[]) {
  return v.pipe(
    v.string(),
    v.maxLength(32),
    v.regex(new RegExp(QUANTITY_PATTERN), 'must be a quantity such as 10Gi'),
    v.description(description),
    v.examples(examples),
  );
}

export function duration(description: string, examples: readonly string[]) {
  return v.pipe(
    v.string(),
    v.maxLength(32),
    v.regex(new RegExp(DURATION_PATTERN), 'must be a duration such as 30s, 5m or 1h30m'),
    v.description(description),
    v.examples(examples),
  );
}

/** Labels, annotations, selectors: string to string. Bounded so CEL rules over the keys stay within cost limits. */
export function stringMap(description: string) {
  return v.pipe(v.record(v.string(), v.string()), v.maxEntries(64), v.description(description));
}

/** A string map whose keys may not use the operator's `tikv.org/` prefix. */
export function userMetadataMap(description: string, what: string, allowed: readonly string[] = []) {
  const exempt = allowed.map((k) => ` || k == ${celString(k)}`).join('');
  const except = allowed.length > 0 ? ` (except ${allowed.join(', ')})` : '';
  return v.pipe(
    v.record(v.string(), v.string()),
    v.maxEntries(64),
    v.description(description),
    rules<Record<string, string>>({
      cel: `self.all(k, !k.startsWith(${celString(LABEL_PREFIX)})${exempt})`,
      message: `${what} must not use the ${LABEL_PREFIX} prefix${except}: the operator owns those keys`,
      check: (self) => !Object.keys(self).some((k) => isReservedKey(k) && !allowed.includes(k)),
    }),
  );
}

/** An object the apiserver stores as is (Pod spec overlays): `x-kubernetes-preserve-unknown-fields`. */
export function freeForm(description: string) {
  return v.pipe(
    v.record(v.string(), v.unknown()),
    v.metadata({ 'x-kubernetes-preserve-unknown-fields': true }),
    v.description(description),
  );
}

/**
 * A list of objects keyed by one field (`x-kubernetes-list-type: map`): server-side apply merges it item by item
 * and the apiserver rejects duplicate keys. The key field must be required in the item schema.
 */
export function listMap<TItem extends v.GenericSchema>(
  item: TItem,
  key: string,
  maxItems: number,
  description: string,
) {
  return withRules(
    v.pipe(
      v.array(item),
      v.maxLength(maxItems, `at most ${maxItems} entries`),
      v.metadata({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': [key] }),
      v.description(description),
    ),
    [
      {
        message: `entries must have unique ${key}s`,
        check: (self) => new Set(self.map((entry) => (entry as Record<string, unknown>)[key])).size === self.length,
      },
    ],
  );
}

/** A reference to the Cluster in the same namespace; it can never change. */
export function clusterReference() {
  return withRules(
    v.pipe(
      v.object({
        name: v.pipe(
          dnsLabel(MAX_CLUSTER_NAME_LENGTH, 'cluster.name must be the name of a Cluster in the same namespace'),
          v.description('Name of the Cluster (same namespace) this object belongs to.'),
          v.examples(['basic']),
        ),
      }),
      v.description('The Cluster this object belongs to. Immutable.'),
    ),
    [
      {
        cel: 'self == oldSelf',
        message: 'cluster is immutable: create a new object to move it to another Cluster',
        transition: (self, oldSelf) => self.name === oldSelf.name,
      },
    ],
  );
}

/** An optional integer field with a minimum and a default. */
export function integer(description: string, min: number, defaultValue: number, max?: number) {
  const base =
    max === undefined
      ? v.pipe(v.number(), v.integer(), v.minValue(min, `must be >= ${min}`), v.description(description))
      : v.pipe(
          v.number(),
          v.integer(),
          v.minValue(min, `must be >= ${min}`),
          v.maxValue(max, `must be <= ${max}`),
          v.description(description),
        );
  return v.optional(base, defaultValue);
}
