// The install manifests as objects: what `kubectl kustomize deploy/` renders (the listed resources, with the
// kustomization's image override applied). Used by the tests; deploy/ itself stays plain YAML.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const deployDir = dirname(new URL(import.meta.url).pathname);

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

interface Kustomization {
  resources: string[];
  images?: { name: string; newName?: string; newTag?: string }[];
}

interface PodTemplateHolder {
  spec: { template: { spec: { containers: { image: string }[]; initContainers?: { image: string }[] } } };
}

export function readYamlDocuments(path: string): Manifest[] {
  return parseAllDocuments(readFileSync(path, 'utf8')).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors[0]?.message}`);
    const value = doc.toJS() as Manifest | null;
    return value ? [value] : [];
  });
}

export function readKustomization(dir: string = deployDir): Kustomization {
  return readYamlDocuments(join(dir, 'kustomization.yaml'))[0] as unknown as Kustomization;
}

/** The objects `kubectl apply -k <dir>` applies, in the kustomization's resource order. */
export function renderManifests(dir: string = deployDir): Manifest[] {
  const kustomization = readKustomization(dir);
  const objects = kustomization.resources.flatMap((file) => readYamlDocuments(join(dir, file)));
  for (const obj of objects) {
    if (obj.kind !== 'Deployment') continue;
    const pod = (obj as unknown as PodTemplateHolder).spec.template.spec;
    for (const container of [...pod.containers, ...(pod.initContainers ?? [])]) {
      container.image = overrideImage(container.image, kustomization.images ?? []);
    }
  }
  return objects;
}

function overrideImage(image: string, overrides: NonNullable<Kustomization['images']>): string {
  const colon = image.lastIndexOf(':');
  const hasTag = colon > image.lastIndexOf('/');
  const name = hasTag ? image.slice(0, colon) : image;
  const override = overrides.find((o) => o.name === name);
  if (!override) return image;
  const tag = override.newTag ?? (hasTag ? image.slice(colon + 1) : undefined);
  return `${override.newName ?? name}${tag === undefined ? '' : `:${tag}`}`;
}

export function findManifest(objects: readonly Manifest[], kind: string, name?: string): Manifest {
  const found = objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (!found) throw new Error(`deploy/ has no ${kind}${name ? ` ${name}` : ''}`);
  return found;
}
