import { describe, expect, test } from 'bun:test';
import * as v from 'valibot';
import { toOpenApi } from './json-schema.ts';
import { celString, celValidations, type Rule, rules, withRules } from './rules.ts';

const positive: Rule<number> = { cel: 'self > 0', message: 'must be positive', check: (self) => self > 0 };
const growOnly: Rule<number> = {
  cel: 'self >= oldSelf',
  message: 'may only grow',
  transition: (self, oldSelf) => self >= oldSelf,
};

describe('rules', () => {
  test('reports a failing static rule with its message', () => {
    const result = v.safeParse(v.pipe(v.number(), rules(positive)), -1);
    expect(result.success).toBe(false);
    expect(result.issues?.[0]?.message).toBe('must be positive');
  });

  test('lets a value through when every static rule holds', () => {
    expect(v.safeParse(v.pipe(v.number(), rules(positive, growOnly)), 3).success).toBe(true);
  });

  test('reports the failure on the rule field, under the path of the value', () => {
    const schema = v.object({
      spec: withRules(v.object({ a: v.number(), b: v.number() }), [
        { cel: 'self.a <= self.b', message: 'a must not exceed b', field: ['a'], check: (s) => s.a <= s.b },
      ]),
    });
    const result = v.safeParse(schema, { spec: { a: 2, b: 1 } });
    expect(result.issues?.map((i) => [v.getDotPath(i), i.message])).toEqual([['spec.a', 'a must not exceed b']]);
  });

  test('skips object rules while a field of the object is invalid, like the apiserver', () => {
    let calls = 0;
    const schema = withRules(v.object({ a: v.number() }), [
      {
        message: 'never',
        check: () => {
          calls++;
          return false;
        },
      },
    ]);
    const result = v.safeParse(schema, { a: 'x' });
    expect(result.issues).toHaveLength(1);
    expect(calls).toBe(0);
  });

  test('become x-kubernetes-validations, transition rules included and runtime-only rules left out', () => {
    const native: Rule<number> = { message: 'native', check: () => true };
    const schema = toOpenApi(v.pipe(v.number(), rules(positive, growOnly, native)));
    expect(schema['x-kubernetes-validations']).toEqual([
      { rule: 'self > 0', message: 'must be positive' },
      { rule: 'self >= oldSelf', message: 'may only grow' },
    ]);
  });

  test('of several pipe actions accumulate in one x-kubernetes-validations list', () => {
    const schema = toOpenApi(v.pipe(v.number(), rules(positive), rules(growOnly)));
    expect(schema['x-kubernetes-validations']?.map((r) => r.rule)).toEqual(['self > 0', 'self >= oldSelf']);
  });
});

describe('celValidations', () => {
  test('turns the rule field into a CEL fieldPath and keeps the reason', () => {
    expect(
      celValidations([
        { cel: 'x', message: 'm', field: ['metadata', 'name'], reason: 'FieldValueForbidden', check: () => true },
      ]),
    ).toEqual([{ rule: 'x', message: 'm', fieldPath: '.metadata.name', reason: 'FieldValueForbidden' }]);
  });
});

describe('celString', () => {
  test('quotes and escapes like a CEL string literal', () => {
    expect(celString("it's")).toBe("'it\\'s'");
    expect(celString('a\\b')).toBe("'a\\\\b'");
    expect(celString('tikv.org/')).toBe("'tikv.org/'");
  });
});
