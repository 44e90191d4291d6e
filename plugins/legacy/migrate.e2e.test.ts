// The live migration end to end: the local control plane (real StatefulSet controller and garbage collector), a
// legacy-shaped cluster (the TikvCluster with the corrected CRD, its Services and real StatefulSets, so the Pods
// and PVCs have the legacy names and labels), the data-plane simulator (legacy Pods are members and stores of the
// same simulated PD as the new Cluster of that name), the real operator of the composition root, and the
// migration run in process, once interrupted and resumed. One CLI smoke of --dry-run runs the binary.
import { expect, test } from 'bun:test';
import { type MigrateIO, runMigrateCommand } from '../../cmd/migrate/command.ts';
import { runCli } from '../../cmd/testing.ts';
import { RestKubeClient } from '../../core/kube/rest-client.ts';
import { realClock } from '../../core/runtime/clock.ts';
import { waitFor } from '../../core/testing/api.ts';
import { createTestNamespace, useControlPlane } from '../../core/testing/fixtures.ts';
import { isTrue, type List, type Obj } from '../../core/testing/objects.ts';
import { PdClientFactory } from '../pd/client/pd-client.ts';
import { API, PdConfigRecorder, PdRecorder, useE2eOperator } from '../pd/e2e-support.ts';
import { createLegacyCluster, LegacyRemovalRecorder, legacyPath } from './e2e-support.ts';
import type { MigrationDeps } from './migrate/observe.ts';
import { type MigrationAction, migrationPhases } from './migrate/plan.ts';
import { runMigration } from './migrate/run.ts';
import { defaultMigrationOptions, type MigrationTarget } from './migrate/state.ts';
import { legacyPdUrl, legacyStoreAddress } from './objects.ts';

const fixture = useControlPlane({ nodes: 3 });
const e2e = useE2eOperator(fixture);

const TC = 'basic';
const TIMEOUT = { timeoutMs: 180_000, intervalMs: 250 };

const ready = (o: Obj | undefined) => isTrue(o, 'Ready');

function target(namespace: string): MigrationTarget {
  return { namespace, legacyName: TC, cluster: TC, pdGroup: `${TC}-pdg`, tikvGroup: `${TC}-kvg` };
}

function deps(): MigrationDeps {
  return {
    kube: RestKubeClient.fromKubeconfigFile(fixture.cp.kubeconfigPath),
    pdClients: new PdClientFactory({ resolver: e2e.sim.resolver }),
    clock: realClock,
  };
}

function captureIO(): MigrateIO & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    readFile: async () => '',
    readStdin: async () => '',
    writeFile: async () => {},
    stdout: (text: string) => {
      io.out += text;
    },
    stderr: (text: string) => {
      io.err += text;
    },
  };
  return io;
}

/** `migrate run` through the command, in process, with the simulator's resolver. */
function commandEnv() {
  const kube = RestKubeClient.fromKubeconfigFile(fixture.cp.kubeconfigPath);
  return { kube: () => ({ client: kube }), resolver: e2e.sim.resolver, clock: realClock, pollMs: 200 };
}

const cli = (args: string[]) => runCli(args);

test(
  'join-and-drain: the new PD joins the legacy PD cluster (same id), stores drain through PD to Tombstone before their Pods go, legacy members leave with quorum, interrupted once and resumed; nothing unsafe in the simulator',
  async () => {
    const { cp } = fixture;
    const ns = await createTestNamespace(cp, 'migrate');
    const legacy = await createLegacyCluster(cp, e2e.sim, { name: TC, namespace: ns, pd: 3, tikv: 3 });
    const model = legacy.model;
    const clusterId = model().clusterId.toString();
    const legacyUrl = legacyPdUrl(TC, ns);

    // The plan, by the binary (PD through the simulator's loopback URL, as through a port-forward).
    const dry = await cli([
      'migrate',
      'run',
      TC,
      '-n',
      ns,
      '--kubeconfig',
      cp.kubeconfigPath,
      '--pd-url',
      e2e.sim.cluster(ns, TC)?.url ?? '',
      '--dry-run',
    ]);
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`Migration of TikvCluster ${ns}/${TC} to Cluster ${TC} (join-and-drain):`);
    expect(dry.stdout).toContain(`[x] check preconditions`);
    expect(dry.stdout).toContain(`[>] create the Cluster and the PDGroup: PDGroup ${TC}-pdg joins ${legacyUrl}`);
    expect(dry.stdout).toContain(
      'A run would start with [create the Cluster and the PDGroup] creating Cluster basic, PDGroup basic-pdg',
    );
    expect(await cp.api.find(`${API}/namespaces/${ns}/clusters/${TC}`)).toBeUndefined();

    const removals = new LegacyRemovalRecorder(cp, ns, TC, model);
    const configs = new PdConfigRecorder(cp, ns);
    const newPdPods = new PdRecorder(cp, ns, () => e2e.sim.cluster(ns, TC)?.model);
    await removals.start();
    await configs.start();
    await newPdPods.start();
    try {
      // First run: stopped right after the first legacy store was deleted in PD (an interruption at any point).
      const interrupt = new AbortController();
      const actions: { phase: string; action: MigrationAction }[] = [];
      const progress: string[] = [];
      const first = await runMigration(deps(), target(ns), {
        ...defaultMigrationOptions,
        pollMs: 200,
        signal: interrupt.signal,
        progress: (line) => {
          progress.push(line);
        },
        onStep: (step) => {
          if (step.action.kind !== 'wait') actions.push(step);
          if (step.action.kind === 'deleteStore') interrupt.abort();
        },
      });
      expect(first).toEqual({ outcome: 'stopped', reason: 'interrupted: run the command again to continue' });
      expect(actions.map((a) => `${a.phase}: ${a.action.kind}`)).toEqual([
        `${migrationPhases.createPd}: create`,
        `${migrationPhases.transferLeader}: transferPdLeader`,
        `${migrationPhases.createTikv}: create`,
        `${migrationPhases.removeStores}: evictLeaders`,
        `${migrationPhases.removeStores}: deleteStore`,
      ]);
      expect(progress.some((l) => l.startsWith(`[${migrationPhases.waitPd}] waiting:`))).toBe(true);
      const firstStore = actions.at(-1)?.action;
      expect(firstStore).toMatchObject({ kind: 'deleteStore', address: legacyStoreAddress(TC, 2, ns) });

      // The new PD members joined the legacy cluster: never a bootstrap, the same id everywhere.
      const cluster = await cp.api.get<Obj>(`${API}/namespaces/${ns}/clusters/${TC}`);
      expect(cluster.status?.id).toBe(clusterId);
      expect(model().clusterId.toString()).toBe(clusterId);
      for (const i of [0, 1, 2]) {
        const first = configs.first(`${TC}-pdg-${i}`) ?? '';
        expect(first).toContain(`join = "${legacyUrl}"`);
        expect(first).not.toContain('initial-cluster');
      }

      // Second run, through the command: it continues where the first stopped (nothing is created again).
      const io = captureIO();
      const code = await runMigrateCommand(['run', TC, '-n', ns], io, commandEnv());
      expect(io.err).toBe('');
      expect(code).toBe(0);
      expect(io.out).not.toContain('creating');
      expect(io.out).toContain(`[${migrationPhases.removeStores}] waiting: PD moves the regions off store`);
      expect(io.out).toContain(`[${migrationPhases.removeMembers}] deleting PD member ${TC}-pd-2`);
      expect(io.out).toContain(
        `[${migrationPhases.markConverted}] done: the legacy cluster is migrated to Cluster ${TC}`,
      );

      // Invariant 1: every legacy store was Tombstone when its Pod went; legacy PD members were out of PD first.
      expect(removals.of('tikv').map((s) => [s.pod, s.storeState])).toEqual(
        [2, 1, 0].map((i) => [`${TC}-tikv-${i}`, 'Tombstone']),
      );
      expect(removals.of('pd').map((s) => [s.pod, s.memberListed, s.wasLeader])).toEqual(
        [2, 1, 0].map((i) => [`${TC}-pd-${i}`, false, false]),
      );

      // The new Cluster: Ready with 3 PD and 3 TiKV, the only members and Up stores of the same PD cluster.
      await waitFor(async () => ready(await cp.api.get<Obj>(`${API}/namespaces/${ns}/clusters/${TC}`)), {
        ...TIMEOUT,
        what: 'Cluster Ready',
      });
      const pds = (await cp.api.get<List>(`${API}/namespaces/${ns}/pds`)).items;
      const tikvs = (await cp.api.get<List>(`${API}/namespaces/${ns}/tikvs`)).items;
      expect(
        pds
          .filter(ready)
          .map((p) => p.metadata.name)
          .sort(),
      ).toEqual([0, 1, 2].map((i) => `${TC}-pdg-${i}`));
      expect(
        tikvs
          .filter(ready)
          .map((t) => t.metadata.name)
          .sort(),
      ).toEqual([0, 1, 2].map((i) => `${TC}-kvg-${i}`));
      expect(
        model()
          .members()
          .map((m) => m.name)
          .sort(),
      ).toEqual([0, 1, 2].map((i) => `${TC}-pdg-${i}`));
      expect(
        model()
          .stores()
          .filter((s) => s.state === 'Up')
          .map((s) => s.address.split('.')[0])
          .sort(),
      ).toEqual([0, 1, 2].map((i) => `${TC}-kvg-${i}`));
      expect(
        model()
          .stores()
          .filter((s) => s.address.startsWith(`${TC}-tikv-`))
          .map((s) => s.state),
      ).toEqual(['Tombstone', 'Tombstone', 'Tombstone']);
      expect(model().clusterId.toString()).toBe(clusterId);
      expect((await cp.api.get<Obj>(`${API}/namespaces/${ns}/clusters/${TC}`)).status?.id).toBe(clusterId);
      // Once the new members serve, members join through the Cluster's own PD Service.
      expect(configs.last(`${TC}-pdg-0`)).toContain(`join = "http://${TC}-pdg.${ns}.svc:2379"`);
      // ... and that switch, like everything else of the migration, restarted no new PD member.
      expect(newPdPods.removals).toEqual([]);
      expect(newPdPods.quorumLost).toBe(0);

      // The legacy StatefulSets are gone, their PVCs kept (no --delete-volumes); the TikvCluster says where it went.
      for (const sts of [`${TC}-pd`, `${TC}-tikv`]) {
        expect(await cp.api.find(`/apis/apps/v1/namespaces/${ns}/statefulsets/${sts}`)).toBeUndefined();
      }
      const claims = (await cp.api.get<List>(`/api/v1/namespaces/${ns}/persistentvolumeclaims`)).items.map(
        (c) => c.metadata.name,
      );
      expect(claims).toEqual(expect.arrayContaining([`pd-${TC}-pd-0`, `tikv-${TC}-tikv-2`]));
      const tikvCluster = await cp.api.get<Obj>(legacyPath(ns, TC));
      expect(tikvCluster.status).toMatchObject({
        converted: true,
        clusterID: clusterId,
        convertedTo: {
          apiVersion: 'core.tikv.org/v1alpha1',
          cluster: TC,
          pdGroup: `${TC}-pdg`,
          tikvGroup: `${TC}-kvg`,
        },
      });
      expect(Number.isNaN(Date.parse(String(tikvCluster.status?.convertedAt)))).toBe(false);

      // Zero safety violations: no region without quorum, no data lost, no leader dropped, no PD leader dropped.
      const report = e2e.sim.safety().clusters.find((c) => c.namespace === ns)?.report;
      expect(report?.violations).toEqual([]);
      expect(report?.clean).toBe(true);

      // The CEL rule of the real CRD: the PDGroup's join may not be removed (it is what keeps it from bootstrapping).
      const removal = await cp.api.patch(`${API}/namespaces/${ns}/pdgroups/${TC}-pdg`, { spec: { join: null } }).then(
        () => 'accepted',
        (error: Error) => error.message,
      );
      expect(removal).toContain('join cannot be removed');
      expect((await cp.api.get<Obj>(`${API}/namespaces/${ns}/pdgroups/${TC}-pdg`)).spec?.join).toBe(legacyUrl);

      // Running it again changes nothing.
      const again: MigrationAction[] = [];
      const rerun = await runMigration(deps(), target(ns), {
        ...defaultMigrationOptions,
        progress: () => {},
        onStep: (step) => again.push(step.action),
      });
      expect(rerun).toEqual({ outcome: 'done' });
      expect(again).toEqual([{ kind: 'done' }]);
    } finally {
      await removals.stop();
      await configs.stop();
      await newPdPods.stop();
    }
  },
  { timeout: 420_000 },
);

test(
  'a failed precondition refuses with one line and changes nothing',
  async () => {
    const { cp } = fixture;
    const ns = await createTestNamespace(cp, 'migrate-refused');
    const legacy = await createLegacyCluster(cp, e2e.sim, { name: TC, namespace: ns, pd: 1, tikv: 3 });
    const model = legacy.model;
    // An evict-leader scheduler an interrupted legacy upgrade left behind.
    const store = model().stores()[0];
    const url = e2e.sim.cluster(ns, TC)?.url;
    const added = await fetch(`${url}/pd/api/v1/schedulers`, {
      method: 'POST',
      body: JSON.stringify({ name: 'evict-leader-scheduler', store_id: store?.id }),
    });
    expect(added.status).toBe(200);
    // What PD shows of its members, stores and schedulers: the refusal must leave all of it as it was.
    const pdView = () => ({
      members: model()
        .members()
        .map((m) => m.name),
      stores: model()
        .stores()
        .map((s) => `${s.id} ${s.state}`),
      schedulers: model().schedulers(),
    });
    const before = pdView();

    const io = captureIO();
    const code = await runMigrateCommand(['run', TC, '-n', ns, '--accept-warnings'], io, commandEnv());
    expect(code).toBe(1);
    expect(io.out).toBe('');
    expect(io.err).toBe(
      `tikv-operator: migrate run refused [${migrationPhases.preconditions}]: PD evicts the leaders of store ${store?.id} (an evict-leader scheduler an interrupted upgrade left behind?): remove it with pd-ctl scheduler remove evict-leader-scheduler\n`,
    );

    for (const kind of ['clusters', 'pdgroups', 'tikvgroups']) {
      expect((await cp.api.get<List>(`${API}/namespaces/${ns}/${kind}`)).items).toEqual([]);
    }
    for (const [sts, replicas] of [
      [`${TC}-pd`, 1],
      [`${TC}-tikv`, 3],
    ] as const) {
      expect((await cp.api.get<Obj>(`/apis/apps/v1/namespaces/${ns}/statefulsets/${sts}`)).spec?.replicas).toBe(
        replicas,
      );
    }
    expect(pdView()).toEqual(before);
    expect((await cp.api.get<Obj>(legacyPath(ns, TC))).status?.converted).toBeUndefined();
  },
  { timeout: 240_000 },
);
