// Writes the corrected legacy TikvCluster CRD to crds/legacy/ (opt-in: not installed with the operator's CRDs).
// `bun run hack/generate-legacy-crd.ts`; plugins/legacy/crd.test.ts fails when the committed file is stale.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LEGACY_CRD_PATH, legacyCrdYaml } from '../plugins/legacy/crd.ts';

const repoRoot = join(dirname(new URL(import.meta.url).pathname), '..');

async function main(): Promise<void> {
  const path = join(repoRoot, LEGACY_CRD_PATH);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, legacyCrdYaml());
  console.log(`wrote ${LEGACY_CRD_PATH}`);
}

if (import.meta.main) await main();
