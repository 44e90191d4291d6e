// Validation rules written once and enforced twice: by the apiserver as CEL (`x-kubernetes-validations` in the
// CRD) and by `parse`/`validateUpdate` in TypeScript. Each rule carries both forms side by side so that a reader
// (and a test) can check they say the same thing.
import * as v from 'valibot';

/** The `reason` field of a CRD validation rule: how the apiserver classifies the failure. */
export type CelReason = 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';

interface RuleBase {
  /** Shown to the user as is; name the field and what to do. */
  message: string;
  /** Field the failure is reported on, relative to where the rule sits (CEL `fieldPath`). */
  field?: readonly string[];
  reason?: CelReason;
}

/** Checked by the apiserver on create and update, and by `parse`. */
export interface StaticRule<T> extends RuleBase {
  cel: string;
  check: (self: T) => boolean;
  transition?: undefined;
}

/** A CEL transition rule (it reads `oldSelf`): checked on update by the apiserver and by `validateUpdate`. */
export interface TransitionRule<T> extends RuleBase {
  cel: string;
  transition: (self: T, oldSelf: T) => boolean;
  check?: undefined;
}

/** Enforced by the apiserver natively (for example listMap key uniqueness); `parse` mirrors it. */
export interface NativeRule<T> extends RuleBase {
  cel?: undefined;
  check: (self: T) => boolean;
  transition?: undefined;
}

export type Rule<T> = StaticRule<T> | TransitionRule<T> | NativeRule<T>;

/** One entry of `x-kubernetes-validations`. */
export interface CelValidation {
  rule: string;
  message: string;
  fieldPath?: string;
  reason?: CelReason;
}

export interface RuleIssue extends v.BaseIssue<unknown> {
  readonly kind: 'validation';
  readonly type: 'rules';
  readonly expected: null;
}

/** A valibot pipe action holding rules; the CRD builder turns it into `x-kubernetes-validations`. */
export interface RulesAction<T> extends v.BaseValidation<T, T, RuleIssue> {
  readonly type: 'rules';
  readonly reference: typeof rules;
  readonly expects: null;
  readonly rules: readonly Rule<T>[];
}

export function rules<T>(...list: Rule<T>[]): RulesAction<T> {
  return {
    kind: 'validation',
    type: 'rules',
    reference: rules,
    async: false,
    expects: null,
    rules: list,
    '~run'(dataset, config) {
      // Like the apiserver, object-level rules only run on values whose fields are all well-typed.
      if (!dataset.typed) return dataset;
      for (const rule of list) {
        if (rule.check === undefined || rule.check(dataset.value)) continue;
        const path = pathItems(dataset.value, rule.field);
        v._addIssue(this, 'input', dataset, config, path ? { message: rule.message, path } : { message: rule.message });
      }
      return dataset as v.OutputDataset<T, RuleIssue>;
    },
  };
}

export function isRulesAction(item: unknown): item is RulesAction<unknown> {
  return typeof item === 'object' && item !== null && (item as { type?: unknown }).type === 'rules';
}

/** The CEL form of rules, as written into the CRD. */
export function celValidations(list: readonly Rule<never>[]): CelValidation[] {
  const out: CelValidation[] = [];
  for (const r of list) {
    if (r.cel === undefined) continue;
    const validation: CelValidation = { rule: r.cel, message: r.message };
    if (r.field) validation.fieldPath = r.field.map((k) => `.${k}`).join('');
    if (r.reason) validation.reason = r.reason;
    out.push(validation);
  }
  return out;
}

/** A CEL string literal (single quotes; backslash and quote escaped). */
export function celString(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

function pathItems(
  value: unknown,
  field: readonly string[] | undefined,
): [v.IssuePathItem, ...v.IssuePathItem[]] | undefined {
  if (!field || field.length === 0) return undefined;
  const items: v.IssuePathItem[] = [];
  let current: unknown = value;
  for (const key of field) {
    const input = (typeof current === 'object' && current !== null ? current : {}) as Record<string, unknown>;
    const next = input[key];
    items.push({ type: 'object', origin: 'value', input, key, value: next });
    current = next;
  }
  return items as [v.IssuePathItem, ...v.IssuePathItem[]];
}

/**
 * The schema with rules appended to its pipe, typed as the schema itself. For rules written against a part of
 * the value's shape (template rules applied to group templates and to instance specs alike).
 */
export function withRules<TSchema extends v.GenericSchema>(
  schema: TSchema,
  list: readonly Rule<v.InferOutput<TSchema>>[],
): TSchema {
  return v.pipe(schema, rules(...(list as Rule<unknown>[]))) as unknown as TSchema;
}
