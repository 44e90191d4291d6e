// End-to-end support for the legacy tikv-operator: a legacy-shaped cluster on the local control plane (the
// TikvCluster, its Services and its StatefulSets as the legacy operator created them, with real StatefulSets, so
// the StatefulSet controller makes the Pods and the PVCs) and a recorder that looks at the simulated PD the moment
// a legacy Pod goes. No legacy operator runs: a migration starts with it stopped.
import { join } from 'node:path';
import type { KubeObject } from '../../core/kube/object.ts';
import { waitFor } from '../../core/testing/api.ts';
import { repoRoot } from '../../core/testing/binaries.ts';
import type { ControlPlane } from '../../core/testing/control-plane.ts';
import { ObjectWatch } from '../../core/testing/object-watch.ts';
import type { PdClusterModel } from '../pd/simulator/model/cluster.ts';
import type { Simulator } from '../pd/simulator/simulator.ts';
import { LEGACY_API_GROUP_VERSION, LEGACY_KIND, LEGACY_PLURAL } from './api.ts';
import {
  LEGACY_PD_CLIENT_PORT,
  LEGACY_TIKV_PORT,
  type LegacyComponent,
  legacyComponentOf,
  legacyLabels,
  legacyMemberName,
  legacyNames,
  legacyOrdinalOf,
  legacyStoreAddress,
} from './objects.ts';

export const legacyPath = (ns: string, name = '') =>
  `/apis/${LEGACY_API_GROUP_VERSION}/namespaces/${ns}/${LEGACY_PLURAL}${name ? `/${name}` : ''}`;

const crdInstalled = new WeakMap<ControlPlane, Promise<unknown>>();
/** The corrected legacy CRD (crds/legacy/), once per control plane. */
export function installLegacyCrd(cp: ControlPlane): Promise<unknown> {
  let installed = crdInstalled.get(cp);
  if (!installed) {
    installed = cp.installCrds(join(repoRoot, 'crds', 'legacy'));
    crdInstalled.set(cp, installed);
  }
  return installed;
}

export interface LegacyClusterShape {
  name: string;
  namespace: string;
  pd: number;
  tikv: number;
  version?: string;
}

/** The TikvCluster as users wrote it (examples/basic with more replicas). */
export function legacyTikvCluster(shape: LegacyClusterShape): KubeObject & { spec: Record<string, unknown> } {
  const version = shape.version ?? 'v8.5.0';
  return {
    apiVersion: LEGACY_API_GROUP_VERSION,
    kind: LEGACY_KIND,
    metadata: { name: shape.name, namespace: shape.namespace },
    spec: {
      version,
      pd: { baseImage: 'pingcap/pd', replicas: shape.pd, requests: { storage: '1Gi' }, config: {} },
      tikv: { baseImage: 'pingcap/tikv', replicas: shape.tikv, requests: { storage: '1Gi' }, config: {} },
    },
  };
}

function service(shape: LegacyClusterShape, component: LegacyComponent, name: string, port: number, headless: boolean) {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: shape.namespace, labels: legacyLabels(shape.name, component) },
    spec: {
      ...(headless ? { clusterIP: 'None', publishNotReadyAddresses: true } : {}),
      selector: legacyLabels(shape.name, component),
      ports: [{ name: headless ? 'peer' : 'client', port }],
    },
  };
}

/**
 * A legacy StatefulSet as the legacy operator built it: `<tc>-<component>`, its headless Service as
 * serviceName (the Pods' subdomain), parallel Pod management, a volumeClaimTemplate named after the component
 * (PVCs `<component>-<tc>-<component>-<i>`), owned by the TikvCluster. The container only needs to exist on
 * kwok; its arguments are the legacy ones for whoever reads the object. Grace 1 s: kwok keeps a deleted Pod for
 * its whole grace period (the legacy operator left Kubernetes' 30 s).
 */
function statefulSet(
  shape: LegacyClusterShape,
  component: LegacyComponent,
  storageClassName: string,
  owner: KubeObject,
) {
  const { name: tc, namespace } = shape;
  const labels = legacyLabels(tc, component);
  const peer = legacyNames.peerService(tc, component);
  const args =
    component === 'pd'
      ? ['--name=$(POD_NAME)', '--data-dir=/var/lib/pd', `--peer-urls=http://0.0.0.0:2380`, '--config=/etc/pd/pd.toml']
      : [
          `--pd=http://${tc}-pd:2379`,
          `--advertise-addr=$(POD_NAME).${peer}.${namespace}.svc:20160`,
          '--data-dir=/var/lib/tikv',
        ];
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: {
      name: legacyNames.statefulSet(tc, component),
      namespace,
      labels,
      ownerReferences: [
        {
          apiVersion: LEGACY_API_GROUP_VERSION,
          kind: LEGACY_KIND,
          name: tc,
          uid: owner.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      replicas: component === 'pd' ? shape.pd : shape.tikv,
      serviceName: peer,
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name: component,
              image: `pingcap/${component}:${shape.version ?? 'v8.5.0'}`,
              args,
              env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
              volumeMounts: [{ name: legacyNames.claimTemplate(component), mountPath: `/var/lib/${component}` }],
            },
          ],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: legacyNames.claimTemplate(component), labels },
          spec: {
            accessModes: ['ReadWriteOnce'],
            storageClassName,
            resources: { requests: { storage: '1Gi' } },
          },
        },
      ],
    },
  };
}

/**
 * Creates the legacy cluster (TikvCluster, Services, StatefulSets) and waits until the simulator shows it
 * healthy: every member serving, every store Up, every region with three replicas (or as many as stores).
 */
export async function createLegacyCluster(
  cp: ControlPlane,
  sim: Simulator,
  shape: LegacyClusterShape,
): Promise<{ model: () => PdClusterModel }> {
  await installLegacyCrd(cp);
  const { name: tc, namespace } = shape;
  const owner = await cp.api.create<KubeObject>(legacyPath(namespace), legacyTikvCluster(shape));
  const services = [
    service(shape, 'pd', legacyNames.pdService(tc), LEGACY_PD_CLIENT_PORT, false),
    service(shape, 'pd', legacyNames.peerService(tc, 'pd'), 2380, true),
    service(shape, 'tikv', legacyNames.peerService(tc, 'tikv'), LEGACY_TIKV_PORT, true),
  ];
  for (const svc of services) await cp.api.create(`/api/v1/namespaces/${namespace}/services`, svc);
  for (const component of ['pd', 'tikv'] as const) {
    await cp.api.create(
      `/apis/apps/v1/namespaces/${namespace}/statefulsets`,
      statefulSet(shape, component, cp.storageClassName, owner),
    );
  }
  const model = () => {
    const cluster = sim.cluster(namespace, tc);
    if (!cluster) throw new Error(`no simulated cluster for ${namespace}/${tc}`);
    return cluster.model;
  };
  const replicas = Math.min(3, shape.tikv);
  await waitFor(
    async () => {
      const m = sim.cluster(namespace, tc)?.model;
      if (!m) return false;
      const members = m.members().filter((x) => x.healthy);
      const up = m.stores().filter((s) => s.state === 'Up' && s.running);
      return (
        members.length === shape.pd &&
        up.length === shape.tikv &&
        m.regions().length > 0 &&
        m.regions().every((r) => r.peers.length === replicas)
      );
    },
    { timeoutMs: 120_000, intervalMs: 250, what: `legacy cluster ${namespace}/${tc} healthy in the simulator` },
  );
  // The legacy operator recorded the cluster id in the TikvCluster's status (plain update: no status subresource).
  await cp.api.patch(legacyPath(namespace, tc), { status: { clusterID: model().clusterId.toString() } });
  return { model };
}

interface WatchedPod extends KubeObject {
  metadata: KubeObject['metadata'] & { deletionTimestamp?: string };
}

/** A legacy Pod seen going, with what PD showed for its store or member at that moment. */
export interface LegacyRemovalSighting {
  pod: string;
  component: LegacyComponent;
  /** TiKV: the state of the store at the Pod's address. */
  storeState?: string | undefined;
  /** PD: PD still listed the member; it was the leader. */
  memberListed?: boolean;
  wasLeader?: boolean;
}

/** Watches a namespace's legacy Pods; the first time one is seen terminating or deleted, records PD's view. */
export class LegacyRemovalRecorder {
  readonly sightings: LegacyRemovalSighting[] = [];
  private readonly seen = new Set<string>();
  private readonly watch: ObjectWatch<WatchedPod>;

  constructor(
    cp: ControlPlane,
    private readonly namespace: string,
    private readonly tc: string,
    private readonly model: () => PdClusterModel,
  ) {
    const selector = encodeURIComponent(`app.kubernetes.io/instance=${tc}`);
    // Pods already going when the recorder starts are not sightings: only changes seen from now on count.
    this.watch = new ObjectWatch<WatchedPod>(
      cp.api,
      `/api/v1/namespaces/${namespace}/pods?labelSelector=${selector}`,
      (type, pod) => {
        const gone = type === 'DELETED' || pod.metadata.deletionTimestamp !== undefined;
        if (gone && (type === 'DELETED' || type === 'MODIFIED')) this.record(pod);
      },
    );
  }

  start(): Promise<void> {
    return this.watch.start();
  }

  stop(): Promise<void> {
    return this.watch.stop();
  }

  of(component: LegacyComponent): LegacyRemovalSighting[] {
    return this.sightings.filter((s) => s.component === component);
  }

  private record(pod: WatchedPod): void {
    const uid = pod.metadata.uid ?? pod.metadata.name;
    const component = legacyComponentOf(pod.metadata.labels);
    if (this.seen.has(uid) || !component) return;
    this.seen.add(uid);
    const model = this.model();
    const ordinal = legacyOrdinalOf(this.tc, component, pod.metadata.name) ?? -1;
    if (component === 'tikv') {
      const address = legacyStoreAddress(this.tc, ordinal, this.namespace);
      const stores = model.stores().filter((s) => s.address === address);
      this.sightings.push({ pod: pod.metadata.name, component, storeState: stores.at(-1)?.state });
      return;
    }
    const name = legacyMemberName(this.tc, ordinal);
    this.sightings.push({
      pod: pod.metadata.name,
      component,
      memberListed: model.member(name) !== undefined,
      wasLeader: model.leader()?.name === name,
    });
  }
}
