import { describe, expect, test } from 'bun:test';
import * as v from 'valibot';
import { freeForm, quantity } from './fields.ts';
import { type JSONSchemaProps, structuralProblems, toOpenApi, toStructural } from './json-schema.ts';

describe('toStructural', () => {
  test('drops empty required lists, examples and $schema', () => {
    const schema = toStructural(
      toOpenApi(v.object({ a: v.optional(v.pipe(v.string(), v.examples(['x']))), b: v.optional(v.number()) })),
    );
    expect(schema).toEqual({
      type: 'object',
      properties: { a: { type: 'string' }, b: { type: 'number' } },
    });
  });

  test('reduces int-or-string to the allowed anyOf pair and lifts the branch validations', () => {
    const schema = toStructural(toOpenApi(quantity('cpu', ['1'])));
    expect(schema.anyOf).toEqual([{ type: 'integer' }, { type: 'string' }]);
    expect(schema['x-kubernetes-int-or-string']).toBe(true);
    expect(schema.pattern).toStartWith('^');
    expect(schema.minimum).toBe(0);
    expect(structuralProblems(schema)).toEqual([]);
  });

  test('drops the empty additionalProperties of a free-form object', () => {
    const schema = toStructural(toOpenApi(freeForm('anything')));
    expect(schema).toEqual({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true, description: 'anything' });
  });
});

describe('structuralProblems', () => {
  const cases: [string, JSONSchemaProps, string][] = [
    ['$ref', { type: 'object', properties: { a: { $ref: '#/$defs/0' } } }, '.a: $ref'],
    ['a union of objects', { anyOf: [{ type: 'object' }, { type: 'string' }] }, 'anyOf is only allowed'],
    ['a missing type', { type: 'object', properties: { a: { description: 'x' } } }, '.a: no type'],
    [
      'additionalProperties: false',
      { type: 'object', properties: {}, additionalProperties: false },
      'additionalProperties: false',
    ],
    ['an empty required list', { type: 'object', properties: {}, required: [] }, 'empty required list'],
    ['examples', { type: 'string', examples: ['x'] }, 'examples'],
    ['an object without fields', { type: 'object', properties: { a: { type: 'object' } } }, '.a: object without'],
    [
      'a list-map key that is optional',
      {
        type: 'array',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
        items: { type: 'object', properties: { name: { type: 'string' } } },
      },
      'list-map key name',
    ],
  ];

  test.each(cases)('finds %s', (_, schema, problem) => {
    expect(structuralProblems(schema).join('\n')).toContain(problem);
  });

  test('finds nothing in what valibot emits for strict objects once they are ordinary objects', () => {
    expect(structuralProblems(toStructural(toOpenApi(v.object({ a: v.string() }))))).toEqual([]);
  });

  test('catches what the post-pass exists for: raw valibot output is not structural', () => {
    const raw = toOpenApi(
      v.object({ o: v.optional(v.object({ a: v.optional(v.string()) })), f: freeForm('x'), q: quantity('q', ['1']) }),
    );
    expect(structuralProblems(raw)).toEqual([
      '.o: empty required list',
      '.f.*: no type',
      '.q: examples is not a CRD schema field (use example)',
      '.q: anyOf is only allowed as the int-or-string pattern',
    ]);
    expect(structuralProblems(toStructural(raw))).toEqual([]);
  });
});
