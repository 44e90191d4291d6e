// The corrected legacy CRD: v1, structural, committed up to date, no status subresource, and accepting the
// legacy examples (the runtime mirror of the schema; crd.integration.test.ts checks the apiserver itself).
import { describe, expect, test } from 'bun:test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as v from 'valibot';
import { parse } from 'yaml';
import { structuralProblems } from '../../core/api/json-schema.ts';
import { legacyTikvClusterSchema } from './api.ts';
import { buildLegacyCrd, LEGACY_CRD_PATH, legacyCrdYaml, legacyOpenApiSchema } from './crd.ts';

const repoRoot = join(import.meta.dir, '..', '..');
const testdata = join(import.meta.dir, 'testdata');

describe('legacy TikvCluster CRD', () => {
  test(`${LEGACY_CRD_PATH} is up to date (run \`bun run hack/generate-legacy-crd.ts\`)`, () => {
    expect(readFileSync(join(repoRoot, LEGACY_CRD_PATH), 'utf8')).toBe(legacyCrdYaml());
  });

  test('is an apiextensions.k8s.io/v1 CRD for tikvclusters.tikv.org with a structural schema', () => {
    const crd = buildLegacyCrd();
    expect(crd.apiVersion).toBe('apiextensions.k8s.io/v1');
    expect(crd.metadata.name).toBe('tikvclusters.tikv.org');
    expect(crd.spec.names.kind).toBe('TikvCluster');
    expect(crd.spec.versions.map((version) => version.name)).toEqual(['v1alpha1']);
    expect(structuralProblems(legacyOpenApiSchema())).toEqual([]);
  });

  test('has no status subresource: the legacy operator writes its status with plain updates', () => {
    const [version] = buildLegacyCrd().spec.versions;
    expect(version?.subresources).toBeUndefined();
    expect(legacyOpenApiSchema().properties?.status?.properties).toHaveProperty('converted');
    expect(legacyOpenApiSchema().properties?.status?.properties).toHaveProperty('convertedTo');
  });

  test('printer columns have distinct names (the legacy CRD had two "Desire" and two "Current")', () => {
    const names = buildLegacyCrd().spec.versions[0]?.additionalPrinterColumns.map((c) => c.name) ?? [];
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain('Converted');
  });

  test('objects of the spec keep unknown fields, so the converter can still report them', () => {
    const spec = legacyOpenApiSchema().properties?.spec;
    for (const node of [
      spec,
      spec?.properties?.pd,
      spec?.properties?.tikv,
      spec?.properties?.pd?.properties?.service,
    ]) {
      expect(node?.['x-kubernetes-preserve-unknown-fields']).toBe(true);
    }
    expect(spec?.properties?.tikv?.properties?.config?.['x-kubernetes-preserve-unknown-fields']).toBe(true);
  });

  test.each(readdirSync(testdata).filter((f) => f.endsWith('.yaml')))('accepts testdata/%s', (file) => {
    const result = v.safeParse(legacyTikvClusterSchema, parse(readFileSync(join(testdata, file), 'utf8')));
    expect(result.issues?.map((i) => `${v.getDotPath(i)}: ${i.message}`) ?? []).toEqual([]);
  });
});
