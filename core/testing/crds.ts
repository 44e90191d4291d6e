// Installs CustomResourceDefinitions from a directory of YAML files and waits until the apiserver serves them.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../kube/object.ts';
import { type ApiClient, isAlreadyExists, waitFor } from './api.ts';

const crdPath = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

interface CustomResourceDefinition extends KubeObject {
  status?: { conditions?: { type: string; status: string; message?: string }[] };
}

/** The CRD documents of every *.yaml / *.yml file in `dir` (sorted by file name); none if the directory is absent. */
export async function readCrds(dir: string): Promise<CustomResourceDefinition[]> {
  if (!existsSync(dir)) return [];
  const files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort();
  const crds: CustomResourceDefinition[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(join(dir, file), 'utf8'))) {
      if (doc.errors.length > 0) throw new Error(`${join(dir, file)}: ${doc.errors[0]?.message}`);
      const obj = doc.toJS() as CustomResourceDefinition | null;
      if (obj?.kind === 'CustomResourceDefinition') crds.push(obj);
    }
  }
  return crds;
}

/** Creates (or replaces) each CRD and waits for its Established condition. Returns the CRD names. */
export async function installCrds(api: ApiClient, crds: CustomResourceDefinition[], timeoutMs = 30_000) {
  await Promise.all(
    crds.map(async (crd) => {
      try {
        await api.create(crdPath, crd);
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
        const current = await api.get<CustomResourceDefinition>(`${crdPath}/${crd.metadata.name}`);
        await api.replace(`${crdPath}/${crd.metadata.name}`, {
          ...crd,
          metadata: { ...crd.metadata, resourceVersion: current.metadata.resourceVersion },
        });
      }
    }),
  );
  await Promise.all(
    crds.map((crd) =>
      waitFor(
        async () => {
          const current = await api.get<CustomResourceDefinition>(`${crdPath}/${crd.metadata.name}`);
          return current.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
        },
        { timeoutMs, intervalMs: 100, what: `CRD ${crd.metadata.name} to be Established` },
      ),
    ),
  );
  return crds.map((crd) => crd.metadata.name);
}
