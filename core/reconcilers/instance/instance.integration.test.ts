// The instance controller against a real control plane, with the sample plugin: one instance CR -> its Pod,
// ConfigMap and PVCs, updated in place or recreated, and cleaned up.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { waitFor } from '../../testing/api.ts';
import { createTestNamespace, useControlPlane } from '../../testing/fixtures.ts';
import {
  condition,
  createCluster,
  createSample,
  type InstanceObjectJson,
  type InstanceOperator,
  type PodJson,
  paths,
  startInstanceOperator,
  waitForPod,
  waitForReady,
} from './integration-harness.ts';

const fixture = useControlPlane({ nodes: 2 });
let operator: InstanceOperator;

beforeAll(async () => {
  operator = await startInstanceOperator(fixture.cp);
}, 60_000);
afterAll(async () => {
  await operator?.stop();
});

const T = { timeout: 120_000 };

describe('instance controller', () => {
  test(
    'creates the Pod, ConfigMap and PVC with the documented names, labels and owner, and labels the PV',
    async () => {
      const { cp } = fixture;
      const ns = await createTestNamespace(cp, 'inst-create');
      const p = paths(ns);
      await createCluster(cp, ns);
      const created = await createSample(cp, ns, 's-0', { config: 'log-level = "info"' });
      const pod = await waitForPod(cp, ns, 's-0');
      const instance = await waitForReady(cp, ns, 's-0');

      const owner = {
        apiVersion: 'core.tikv.org/v1alpha1',
        kind: 'Sample',
        name: 's-0',
        uid: created.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      };
      const identity = {
        'tikv.org/managed-by': 'tikv-operator',
        'tikv.org/cluster': 'c',
        'tikv.org/component': 'sample',
        'tikv.org/group': 's',
        'tikv.org/instance': 's-0',
      };
      expect(pod.metadata.labels).toMatchObject({ ...identity, 'tikv.org/instance-revision-hash': 'rev-1' });
      expect(pod.metadata.ownerReferences).toEqual([owner]);
      expect(pod.spec).toMatchObject({ hostname: 's-0', subdomain: 's-peer' });
      expect(pod.metadata.annotations?.['tikv.org/last-instance-template']).toBeString();
      expect(pod.metadata.annotations?.['tikv.org/config-hash']).toMatch(/^[0-9a-f]{16}$/);
      expect(pod.spec.containers[0]?.volumeMounts).toEqual(
        expect.arrayContaining([
          { name: 'tikv-config', mountPath: '/etc/sample', readOnly: true },
          { name: 'data', mountPath: '/var/lib/sample' },
        ]),
      );

      const cm = await cp.api.get<{ metadata: PodJson['metadata']; data: Record<string, string> }>(p.configMap('s-0'));
      expect(cm.data).toEqual({ 'config.toml': 'log-level = "info"\nname = "s-0"\n' });
      expect(cm.metadata.labels).toEqual(identity);
      expect(cm.metadata.ownerReferences).toEqual([owner]);

      const pvc = await waitFor(
        async () => {
          const claim = await cp.api.get<{ metadata: PodJson['metadata']; spec: { volumeName?: string } }>(
            p.pvc('data-s-0'),
          );
          return claim.spec.volumeName ? claim : undefined;
        },
        { timeoutMs: 30_000, what: 'the PVC to be bound' },
      );
      expect(pvc.metadata.labels).toEqual({ ...identity, 'tikv.org/volume-name': 'data' });
      expect(pvc.metadata.ownerReferences).toEqual([owner]);
      const pv = await waitFor(
        async () => {
          const volume = await cp.api.get<{ metadata: PodJson['metadata'] }>(p.pv(pvc.spec.volumeName ?? ''));
          return volume.metadata.labels?.['tikv.org/instance'] === 's-0' ? volume : undefined;
        },
        { timeoutMs: 30_000, what: 'the PV to be labelled' },
      );
      expect(pv.metadata.labels).toMatchObject({ ...identity, 'tikv.org/volume-name': 'data' });

      expect(instance.metadata.finalizers).toEqual(['tikv.org/finalizer']);
      expect(instance.status).toMatchObject({
        observedGeneration: 1,
        replicas: 1,
        updateRevision: 'rev-1',
        currentRevision: 'rev-1',
        memberId: expect.any(String),
        memberState: 'Up',
      });
      for (const type of ['Running', 'Ready', 'Synced']) expect(condition(instance, type)?.status).toBe('True');
      expect(condition(instance, 'Suspended')?.status).toBe('False');
    },
    T,
  );
});
