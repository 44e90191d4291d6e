// The generated API artifacts are committed; CI fails here when they are stale (run `bun run crds`).
import { describe, expect, test } from 'bun:test';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { formatIssues, parseObject } from '../core/api/kind.ts';
import { apiKinds, generatedFiles, repoRoot } from './generate.ts';

const files = generatedFiles();

describe('generated API files', () => {
  test.each(files.map((f) => [f.path, f.content]))('%s is up to date (run `bun run crds`)', (path, content) => {
    expect(readFileSync(join(repoRoot, path), 'utf8')).toBe(content);
  });

  test('crds/ holds exactly one file per kind', () => {
    // Subdirectories (crds/legacy/, opt-in CRDs with their own generator) are not part of this set.
    const onDisk = readdirSync(join(repoRoot, 'crds'))
      .filter((name) => name.endsWith('.yaml'))
      .map((name) => `crds/${name}`);
    expect(onDisk.sort()).toEqual(
      files
        .filter((f) => f.path.startsWith('crds/'))
        .map((f) => f.path)
        .sort(),
    );
  });

  test('generating twice gives the same bytes', () => {
    expect(generatedFiles()).toEqual(files);
  });
});

describe('examples', () => {
  const kindsByName = new Map(apiKinds().map((k) => [k.resource.kind, k]));
  const dirs = readdirSync(join(repoRoot, 'examples'));
  const manifests = dirs.flatMap((dir) =>
    readdirSync(join(repoRoot, 'examples', dir))
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => `examples/${dir}/${f}`),
  );

  test('there are at least two documented example directories', () => {
    expect(dirs.length).toBeGreaterThanOrEqual(2);
    for (const dir of dirs) expect(existsSync(join(repoRoot, 'examples', dir, 'README.md'))).toBe(true);
  });

  test.each(manifests.map((m) => [m]))('%s is valid and explains itself in a header comment', (path) => {
    const text = readFileSync(join(repoRoot, path), 'utf8');
    expect(text.startsWith('# ')).toBe(true);
    for (const doc of parseAllDocuments(text)) {
      const obj = doc.toJS() as { kind: string };
      const kind = kindsByName.get(obj.kind);
      expect(kind).toBeDefined();
      if (!kind) continue;
      const result = parseObject(kind, obj);
      expect(result.ok ? '' : formatIssues(result.issues)).toBe('');
    }
  });

  test('basic is a cluster named basic with 3 PD and 3 TiKV', () => {
    const load = (f: string) => parseAllDocuments(readFileSync(join(repoRoot, 'examples/basic', f), 'utf8'))[0]?.toJS();
    expect(load('cluster.yaml')).toMatchObject({ kind: 'Cluster', metadata: { name: 'basic' } });
    expect(load('pd-group.yaml')).toMatchObject({ kind: 'PDGroup', spec: { cluster: { name: 'basic' }, replicas: 3 } });
    expect(load('tikv-group.yaml')).toMatchObject({
      kind: 'TiKVGroup',
      spec: { cluster: { name: 'basic' }, replicas: 3 },
    });
  });
});
