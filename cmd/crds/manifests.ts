// The CustomResourceDefinitions of this operator version, as objects and as the YAML committed in crds/. Each CRD
// carries the version of the operator that generated it, so that an older binary can refuse to overwrite CRDs a
// newer one installed (see version-guard.ts), whichever way they were applied (`crds install` or kubectl).
import { buildCrd, type CustomResourceDefinition, crdYaml } from '../../core/api/crd.ts';
import type { KindDefinition } from '../../core/api/kind.ts';
import { apiKinds } from '../kinds.ts';
import { operatorVersion } from '../version.ts';

/** Annotation on every CRD: the operator version whose schemas it holds. */
export const OPERATOR_VERSION_ANNOTATION = 'tikv.org/operator-version';

/** Named in the header of every generated file, so readers know not to edit it. */
export const CRD_GENERATOR = 'hack/generate.ts (bun run crds)';

export interface CrdManifest {
  /** File name under crds/: `<group>_<plural>.yaml`. */
  fileName: string;
  crd: CustomResourceDefinition;
  yaml: string;
}

export function crdFileName(kind: KindDefinition): string {
  return `${kind.resource.group}_${kind.resource.plural}.yaml`;
}

export function stampedCrd(kind: KindDefinition, version: string): CustomResourceDefinition {
  const crd = buildCrd(kind);
  return {
    ...crd,
    metadata: { ...crd.metadata, annotations: { ...crd.metadata.annotations, [OPERATOR_VERSION_ANNOTATION]: version } },
  };
}

/** One manifest per kind, in the order of `apiKinds()` (which is also the file names' order). */
export function crdManifests(version: string = operatorVersion): CrdManifest[] {
  return apiKinds().map((kind) => {
    const crd = stampedCrd(kind, version);
    return { fileName: crdFileName(kind), crd, yaml: crdYaml(crd, CRD_GENERATOR) };
  });
}

/** All CRDs as one multi-document YAML stream: the files of crds/ joined by document separators. */
export function crdsYamlStream(manifests: readonly CrdManifest[] = crdManifests()): string {
  return manifests.map((m) => m.yaml).join('---\n');
}
