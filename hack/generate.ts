// Writes the generated API artifacts: crds/*.yaml (one CustomResourceDefinition per kind) and docs/api.md.
// `bun run crds`. hack/generate.test.ts fails when the committed files differ from what this would write.
import { readFileSync } from 'node:fs';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { clusterKind, withComponentColumns } from '../core/api/cluster.ts';
import { buildCrd, crdYaml } from '../core/api/crd.ts';
import { renderApiReference } from '../core/api/docs.ts';
import type { KindDefinition } from '../core/api/kind.ts';
import { PD_COMPONENT, pdKinds } from '../plugins/pd/api.ts';
import { TIKV_COMPONENT, tikvKinds } from '../plugins/tikv/api.ts';

export const repoRoot = join(dirname(new URL(import.meta.url).pathname), '..');
const GENERATOR = 'hack/generate.ts (bun run crds)';

/** Every kind of the API, core's and the plugins', in the order the reference documents them. */
export function apiKinds(): KindDefinition[] {
  const cluster = withComponentColumns(clusterKind, [
    { name: PD_COMPONENT, displayName: 'PD' },
    { name: TIKV_COMPONENT, displayName: 'TiKV' },
  ]);
  return [cluster, ...pdKinds, ...tikvKinds] as KindDefinition[];
}

export interface GeneratedFile {
  /** Relative to the repository root. */
  path: string;
  content: string;
}

export function crdFileName(kind: KindDefinition): string {
  return `crds/${kind.resource.group}_${kind.resource.plural}.yaml`;
}

/** Manifests embedded in the API reference. */
export const REFERENCE_EXAMPLES = [
  'examples/basic/cluster.yaml',
  'examples/basic/pd-group.yaml',
  'examples/basic/tikv-group.yaml',
];
const MORE_EXAMPLES = ['examples/multi-zone', 'examples/custom-config'];

export function generatedFiles(): GeneratedFile[] {
  const kinds = apiKinds();
  const crds = kinds.map((kind) => ({ path: crdFileName(kind), content: crdYaml(buildCrd(kind), GENERATOR) }));
  const examples = REFERENCE_EXAMPLES.map((path) => ({ path, content: readFileSync(join(repoRoot, path), 'utf8') }));
  const reference = renderApiReference(kinds, { generator: GENERATOR, examples, moreExamples: MORE_EXAMPLES });
  return [...crds, { path: 'docs/api.md', content: reference }];
}

async function main(): Promise<void> {
  const files = generatedFiles();
  const wanted = new Set(files.map((f) => f.path));
  const existing = await readdir(join(repoRoot, 'crds')).catch(() => [] as string[]);
  for (const name of existing) {
    if (name.endsWith('.yaml') && !wanted.has(`crds/${name}`)) await rm(join(repoRoot, 'crds', name));
  }
  for (const file of files) await writeFile(join(repoRoot, file.path), file.content);
  console.log(`wrote ${files.map((f) => f.path).join(', ')}`);
}

if (import.meta.main) await main();
