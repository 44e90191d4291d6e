// The simulator driven by the real local control plane: Pods created on the apiserver (scheduled, and made
// Running and Ready by kwok) become PD members and TiKV stores, reached through the resolver by their DNS names.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { RestKubeClient } from '../../../core/kube/rest-client.ts';
import { waitFor } from '../../../core/testing/api.ts';
import { createTestNamespace, useControlPlane } from '../../../core/testing/fixtures.ts';
import { podAnnotations } from '../../../core/testing/kwok.ts';
import { type LosslessJson, parseJsonLossless } from './pd-json.ts';
import { type Simulator, startSimulator } from './simulator.ts';

const fixture = useControlPlane({ nodes: 3 });
const slow = { timeout: 180_000 };

let ns = '';
let sim: Simulator | undefined;

function simulator(): Simulator {
  if (!sim) throw new Error('simulator not started');
  return sim;
}

const collection = (kind: string) => `/api/v1/namespaces/${ns}/${kind}`;

async function createClaim(name: string): Promise<void> {
  await fixture.cp.api.create(collection('persistentvolumeclaims'), {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name },
    spec: {
      accessModes: ['ReadWriteOnce'],
      storageClassName: fixture.cp.storageClassName,
      resources: { requests: { storage: '1Gi' } },
    },
  });
}

async function createPod(name: string, component: 'pd' | 'tikv'): Promise<void> {
  await fixture.cp.api.create(collection('pods'), {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      labels: { 'tikv.org/cluster': 'basic', 'tikv.org/component': component, 'tikv.org/instance': name },
    },
    spec: {
      hostname: name,
      subdomain: `basic-${component}-peer`,
      containers: [{ name: component, image: `example.org/${component}:v8.5.2` }],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: `data-${name}` } }],
    },
  });
}

async function deletePodNow(name: string): Promise<void> {
  await fixture.cp.api.delete(`${collection('pods')}/${name}`, { gracePeriodSeconds: 0 });
  await waitFor(async () => (await fixture.cp.api.find(`${collection('pods')}/${name}`)) === undefined, {
    timeoutMs: 60_000,
    what: `pod ${name} gone`,
  });
}

async function pd(path: string): Promise<{ status: number; body: LosslessJson }> {
  // The operator's view: an in-cluster URL, resolved by the resolver, fetched over HTTP.
  const res = await fetch(simulator().resolver.resolve(`http://basic-pd.${ns}.svc:2379/pd/api/v1${path}`));
  return { status: res.status, body: parseJsonLossless(await res.text()) };
}

function model() {
  const cluster = simulator().cluster(ns, 'basic');
  if (!cluster) throw new Error('cluster basic not simulated yet');
  return cluster.model;
}

const until = <T>(what: string, probe: () => Promise<T | undefined | false>) =>
  waitFor(probe, { timeoutMs: 90_000, intervalMs: 100, what });

beforeAll(async () => {
  ns = await createTestNamespace(fixture.cp, 'sim');
  sim = await startSimulator({
    kube: RestKubeClient.fromKubeconfigFile(fixture.cp.kubeconfigPath),
    namespace: ns,
    seed: 5,
    knobs: { regionCount: 12, tickMs: 50 },
  });
}, slow);

afterAll(async () => {
  await sim?.stop();
});

describe('simulator on the local control plane', () => {
  test(
    'PD and TiKV Pods become members and stores; crashes, deletions and PVC loss show up in PD',
    async () => {
      for (const i of [0, 1, 2]) {
        await createClaim(`data-basic-pd-${i}`);
        await createClaim(`data-basic-tikv-${i}`);
      }
      for (const i of [0, 1, 2]) await createPod(`basic-pd-${i}`, 'pd');

      const members = await until('3 healthy PD members', async () => {
        const r = await pd('/members').catch(() => undefined);
        const list = (r?.body as { members?: unknown[] } | undefined)?.members;
        return r?.status === 200 && list?.length === 3 && (r.body as { leader?: unknown }).leader ? r.body : undefined;
      });
      expect((members as { header: { cluster_id: bigint } }).header.cluster_id).toBe(model().clusterId);
      expect((members as { members: Array<{ client_urls: string[] }> }).members[0]?.client_urls[0]).toMatch(
        new RegExp(`^http://basic-pd-\\d\\.basic-pd-peer\\.${ns}\\.svc:2379$`),
      );

      for (const i of [0, 1, 2]) await createPod(`basic-tikv-${i}`, 'tikv');
      await until('3 Up stores and fully replicated regions', async () => {
        const r = await pd('/stores').catch(() => undefined);
        const stores = (r?.body as { stores?: Array<{ store: { state_name: string } }> } | undefined)?.stores ?? [];
        return (
          stores.length === 3 &&
          stores.every((s) => s.store.state_name === 'Up') &&
          model()
            .regions()
            .every((region) => region.peers.length === 3)
        );
      });
      const address = `basic-tikv-0.basic-tikv-peer.${ns}.svc:20160`;
      const id = model().storeByAddress(address)?.id;
      expect(id).toBeDefined();

      // A crash (kwok: CrashLoopBackOff) stops the process; PD lists its peers as down; it comes back as itself.
      await fixture.cp.api.patch(`${collection('pods')}/basic-tikv-0`, {
        metadata: { annotations: { [podAnnotations.crash]: 'true' } },
      });
      await until('down peers of the crashed store', async () => {
        const r = await pd('/regions/check/down-peer');
        return (r.body as { count: number }).count > 0;
      });
      expect(model().safety().counters.leaderDropEvents).toBe(1);
      await fixture.cp.api.patch(`${collection('pods')}/basic-tikv-0`, {
        metadata: { annotations: { [podAnnotations.crash]: null } },
      });
      await until('the store running again', async () => model().storeByAddress(address)?.running === true);
      expect(model().storeByAddress(address)?.id).toBe(id as number);

      // A PD Pod that goes away stays a member, unhealthy.
      await deletePodNow('basic-pd-2');
      await until('basic-pd-2 unhealthy', async () => {
        const r = await pd('/health');
        const entry = (r.body as Array<{ name: string; health: boolean }>).find((m) => m.name === 'basic-pd-2');
        return entry?.health === false;
      });

      // Deleting a TiKV Pod and its PVC destroys the store's data; a new TiKV on a new PVC at the same address
      // is refused like PD refuses a duplicate address.
      await deletePodNow('basic-tikv-2');
      await fixture.cp.api.delete(`${collection('persistentvolumeclaims')}/data-basic-tikv-2`);
      const lostAddress = `basic-tikv-2.basic-tikv-peer.${ns}.svc:20160`;
      await until('the data of basic-tikv-2 destroyed', async () => model().storeByAddress(lostAddress)?.dataDestroyed);
      await until(
        'the old PVC gone',
        async () =>
          (await fixture.cp.api.find(`${collection('persistentvolumeclaims')}/data-basic-tikv-2`)) === undefined,
      );
      await createClaim('data-basic-tikv-2');
      await createPod('basic-tikv-2', 'tikv');
      await until('the new TiKV refused', async () =>
        model()
          .rejections()
          .some((r) => r.subject === lostAddress && r.reason.includes('duplicated store address')),
      );
      expect(model().safety().counters).toMatchObject({ dataLostRegions: 0, regionUnavailableEvents: 0 });
    },
    slow,
  );
});
