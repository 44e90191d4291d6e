import { describe, expect, test } from 'bun:test';
import { changeMatches, diffTemplates } from './template-diff.ts';

const displays = (before: unknown, after: unknown) => diffTemplates(before, after).map((c) => c.display);

describe('diffTemplates', () => {
  test.each<[string, unknown, unknown, string[]]>([
    ['equal templates have no change', { spec: { a: 1, b: [1, 2] } }, { spec: { b: [1, 2], a: 1 } }, []],
    ['a changed scalar', { spec: { image: 'a' } }, { spec: { image: 'b' } }, ['spec.image']],
    ['an added and a removed key', { spec: { a: 1 } }, { spec: { b: 1 } }, ['spec.a', 'spec.b']],
    [
      'a map that appears differs key by key',
      { metadata: {} },
      { metadata: { labels: { a: '1', b: '2' } } },
      ['metadata.labels.a', 'metadata.labels.b'],
    ],
    [
      'keys with dots are quoted, not split',
      { metadata: { annotations: { 'tikv.org/x': '1' } } },
      { metadata: { annotations: { 'tikv.org/x': '2' } } },
      ['metadata.annotations["tikv.org/x"]'],
    ],
    [
      'named list items are compared by name, whatever their order',
      {
        spec: {
          volumes: [
            { name: 'a', storage: '1Gi' },
            { name: 'b', storage: '1Gi' },
          ],
        },
      },
      {
        spec: {
          volumes: [
            { name: 'b', storage: '1Gi' },
            { name: 'a', storage: '2Gi' },
          ],
        },
      },
      ['spec.volumes[a].storage'],
    ],
    [
      'an added named item is one change of the item',
      { spec: { volumes: [{ name: 'a', storage: '1Gi' }] } },
      {
        spec: {
          volumes: [
            { name: 'a', storage: '1Gi' },
            { name: 'b', storage: '1Gi' },
          ],
        },
      },
      ['spec.volumes[b]'],
    ],
    ['other lists are compared whole', { spec: { args: ['a', 'b'] } }, { spec: { args: ['b', 'a'] } }, ['spec.args']],
    ['a type change', { spec: { config: 'a' } }, { spec: { config: { a: 1 } } }, ['spec.config']],
  ])('%s', (_name, before, after, expected) => {
    expect(displays(before, after)).toEqual(expected);
  });
});

describe('changeMatches', () => {
  const change = (before: unknown, after: unknown) => diffTemplates(before, after)[0]!;

  test.each<[string, string, boolean]>([
    ['spec.volumes[].storage', 'the exact path', true],
    ['spec.volumes', 'a prefix', true],
    ['spec.volumes[].storageClassName', 'a sibling', false],
    ['spec', 'the root of the spec', true],
    ['spec.volumes[].storage.more', 'a longer rule', false],
  ])('%s matches spec.volumes[a].storage: %s', (rule, _why, expected) => {
    const c = change(
      { spec: { volumes: [{ name: 'a', storage: '1' }] } },
      { spec: { volumes: [{ name: 'a', storage: '2' }] } },
    );
    expect(changeMatches(c, rule)).toBe(expected);
  });

  test('a rule never splits a map key that contains dots', () => {
    const c = change({ metadata: { labels: { 'a.b': '1' } } }, { metadata: { labels: { 'a.b': '2' } } });
    expect(changeMatches(c, 'metadata.labels')).toBe(true);
    expect(changeMatches(c, 'metadata.labels.a')).toBe(false);
  });
});
