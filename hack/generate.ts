// Writes the generated API artifacts: crds/*.yaml (one CustomResourceDefinition per kind) and docs/api.md.
// `bun run crds`. hack/generate.test.ts fails when the committed files differ from what this would write.
import { readFileSync } from 'node:fs';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CRD_GENERATOR, crdFileName as crdBaseName, crdManifests } from '../cmd/crds/manifests.ts';
import { apiKinds } from '../cmd/kinds.ts';
import { renderApiReference } from '../core/api/docs.ts';
import type { KindDefinition } from '../core/api/kind.ts';

// The list of kinds lives in the composition root (the binary prints and installs the same CRDs).
export { apiKinds };

export const repoRoot = join(dirname(new URL(import.meta.url).pathname), '..');

export interface GeneratedFile {
  /** Relative to the repository root. */
  path: string;
  content: string;
}

export function crdFileName(kind: KindDefinition): string {
  return `crds/${crdBaseName(kind)}`;
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
  // Stamped with the package version: bumping the version regenerates crds/ (the stale check says so).
  const crds = crdManifests().map((m) => ({ path: `crds/${m.fileName}`, content: m.yaml }));
  const examples = REFERENCE_EXAMPLES.map((path) => ({ path, content: readFileSync(join(repoRoot, path), 'utf8') }));
  const reference = renderApiReference(kinds, { generator: CRD_GENERATOR, examples, moreExamples: MORE_EXAMPLES });
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
