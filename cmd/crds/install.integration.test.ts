// `tikv-operator crds install` against a real apiserver that starts without the CRDs.
import { beforeAll, describe, expect, test } from 'bun:test';
import type { KubeObject } from '../../core/kube/object.ts';
import { useControlPlane } from '../../core/testing/fixtures.ts';
import { runCli } from '../testing.ts';
import { operatorVersion } from '../version.ts';
import { crdManifests, OPERATOR_VERSION_ANNOTATION } from './manifests.ts';

const fixture = useControlPlane({ nodes: 1, crdDir: false });
const crdPath = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const names = crdManifests().map((m) => m.crd.metadata.name);

interface Crd extends KubeObject {
  metadata: KubeObject['metadata'] & { managedFields?: { manager: string; operation: string }[] };
  status?: { conditions?: { type: string; status: string }[] };
}

const cli = (...args: string[]) => runCli(['crds', 'install', `--kubeconfig=${fixture.cp.kubeconfigPath}`, ...args]);

async function installed(): Promise<Crd[]> {
  return Promise.all(names.map((name) => fixture.cp.api.get<Crd>(`${crdPath}/${name}`)));
}

function stampOf(crd: Crd): string | undefined {
  return crd.metadata.annotations?.[OPERATOR_VERSION_ANNOTATION];
}

describe('crds install', () => {
  let first: { code: number; stdout: string; stderr: string };
  beforeAll(async () => {
    first = await cli();
  }, 60_000);

  test('applies every CRD with field manager tikv-operator and returns once all are Established', async () => {
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout.trim().split('\n')).toEqual(
      names.map((n) => `customresourcedefinition ${n}: created, established (tikv-operator ${operatorVersion})`),
    );
    for (const crd of await installed()) {
      expect(crd.status?.conditions).toContainEqual(expect.objectContaining({ type: 'Established', status: 'True' }));
      expect(stampOf(crd)).toBe(operatorVersion);
      expect(crd.metadata.managedFields).toContainEqual(
        expect.objectContaining({ manager: 'tikv-operator', operation: 'Apply' }),
      );
    }
  });

  test('a second install changes nothing (same resourceVersions)', async () => {
    const before = (await installed()).map((c) => c.metadata.resourceVersion);
    const again = await cli();
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`customresourcedefinition tikvs.core.tikv.org: unchanged version, established`);
    expect((await installed()).map((c) => c.metadata.resourceVersion)).toEqual(before);
  });

  test('refuses to downgrade a CRD a newer operator installed, writes nothing, and --force overrides', async () => {
    await fixture.cp.api.patch(`${crdPath}/tikvgroups.core.tikv.org`, {
      metadata: { annotations: { [OPERATOR_VERSION_ANNOTATION]: '9.9.9' } },
    });
    const before = (await installed()).map((c) => c.metadata.resourceVersion);

    const refused = await cli();
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe(
      `tikv-operator: refusing to downgrade CRD tikvgroups.core.tikv.org (installed by tikv-operator 9.9.9) to ` +
        `tikv-operator ${operatorVersion}; use --force to install anyway\n`,
    );
    expect((await installed()).map((c) => c.metadata.resourceVersion)).toEqual(before);

    const forced = await cli('--force');
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain(
      'customresourcedefinition tikvgroups.core.tikv.org: downgraded from 9.9.9 (--force)',
    );
    expect((await installed()).map(stampOf)).toEqual(names.map(() => operatorVersion));
  });

  test('takes over a CRD applied by someone else without a stamp', async () => {
    // As if installed by hand with kubectl and an older manifest: another field manager, no annotation.
    await fixture.cp.api.patch(`${crdPath}/pds.core.tikv.org`, {
      metadata: { annotations: { [OPERATOR_VERSION_ANNOTATION]: null } },
    });
    const result = await cli();
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('customresourcedefinition pds.core.tikv.org: updated (was unstamped), established');
    expect(stampOf(await fixture.cp.api.get<Crd>(`${crdPath}/pds.core.tikv.org`))).toBe(operatorVersion);
  });
});
