// The PD plugin: PD members as instances of the generic core. What it adds to the core, member by member:
//
//   config        the user's TOML plus the managed keys; bootstrap (`initial-cluster`) or `join` (bootstrap.ts)
//   pod           container `pd`, ports client 2379 / peer 2380, TCP readiness probe (pod.ts)
//   services      the client Service `<group>` (port 2379); the Cluster publishes `http://<group>.<ns>.svc:2379`
//   health        PD lists the member healthy and its /pd/api/v2/ready answers ready (health.ts)
//   status        member id (a uint64 as a string) and leader flag; conditions Initialized and Leader
//   restart       transfer PD leader, keep PD quorum (protocols/restart.ts); the leader goes last
//   scale-in      mode `delete`: transfer PD leader, keep PD quorum, delete member in PD, wait for member
//                 removal; refused below a healthy quorum or for the last member (protocols/scale-in.ts)
//   data plane    the shared PD state source: member changes wake the instances of those names
//   failover      mode recreateEmpty: an unhealthy member is deleted from PD (the scale-in steps) and recreated
//                 empty, only while the others keep quorum (failover.ts)
//
// The PD client factory and the state sources are created once at the composition root and shared with the
// TiKV plugin: one poller per PD cluster.
import type {
  ClusterFacts,
  ComponentContext,
  ComponentPlugin,
  DataPlaneSource,
  DataPlaneState,
  FailoverProtocol,
  GroupObject,
  InstanceContext,
  InstanceObject,
  RenderedConfig,
  RenderedPod,
  RenderedService,
  RestartProtocol,
  ScaleInProtocol,
} from '../../core/plugin/contract.ts';
import { type Condition, getCondition } from '../../core/tasks/conditions.ts';
import { complete, retry, type TaskResult } from '../../core/tasks/result.ts';
import { type Task, task } from '../../core/tasks/task.ts';
import { PD_COMPONENT, PD_DATA_DIRECTORY, pdConditionTypes, pdGroupKind, pdKind, validatePDConfig } from './api.ts';
import {
  type BootstrapPeer,
  bootstrapSizeOf,
  decideMembership,
  joinUrlOf,
  newMemberAnnotations,
  ownPdServes,
} from './bootstrap.ts';
import type { PdStateSources } from './client/data-plane-source.ts';
import type { PdClientFactory } from './client/pd-client.ts';
import type { PdSnapshot } from './client/snapshot.ts';
import { pdUrls, renderPdConfig } from './config.ts';
import { pdDataPlaneState, pdFailover } from './failover.ts';
import { isFresh, isKnown, isPodReady, memberReport, type PdView, pdHealth, pdView, wasInitialized } from './health.ts';
import { renderPdPod } from './pod.ts';
import { BUSY_MS, currentView, type PdAccess, type PdContext, pdSourceOf } from './protocols/pd-access.ts';
import { memberHealth } from './protocols/quorum.ts';
import { pdRestartSteps } from './protocols/restart.ts';
import { leavingMembers, mayRemoveMembers, pdScaleInSteps } from './protocols/scale-in.ts';
import { PD_CLIENT_PORT, PD_PEER_PORT, pdClientService, pdServiceUrl, primaryPdGroup } from './service.ts';

export interface PdPluginOptions {
  /** Built once at the composition root (with the operator's address resolver). */
  pdClients: PdClientFactory;
  /** Shared with the TiKV plugin: one poller per PD cluster. */
  pdStates: PdStateSources;
  /**
   * The Pods' terminationGracePeriodSeconds and the grace of every Pod deletion by the operator. Default:
   * Kubernetes' 30 s.
   */
  gracePeriodSeconds?: number;
  /** Timeout of one /pd/api/v2/ready check of a member. Default 2 s. */
  readyTimeoutMs?: number;
}

export const pdSyncSteps = {
  checkReady: 'check PD ready',
  reportMember: 'report member',
} as const;

/** A /pd/api/v2/ready answer of one Pod (a new Pod is asked again). */
interface ReadyAnswer {
  podUid: string;
  ready: boolean;
}

const NOT_READY_RECHECK_MS = 1_000;

export class PdPlugin implements ComponentPlugin<PdView> {
  readonly name = PD_COMPONENT;
  readonly groupKind = pdGroupKind;
  readonly instanceKind = pdKind;
  readonly dependsOn: readonly string[] = [];
  readonly ports = [PD_CLIENT_PORT, PD_PEER_PORT];
  readonly dataDirectory = PD_DATA_DIRECTORY;
  readonly restart: RestartProtocol<PdView>;
  readonly scaleIn: ScaleInProtocol<PdView>;
  readonly syncSteps: Task<PdContext>[];
  readonly dataPlaneSource: DataPlaneSource;
  readonly failover: FailoverProtocol<PdView>;

  private readonly access: PdAccess;
  private readonly gracePeriodSeconds: number | undefined;
  private readonly readyTimeoutMs: number;
  /** By instance key: the last /pd/api/v2/ready answer of its Pod. */
  private readonly readiness = new Map<string, ReadyAnswer>();

  constructor(opts: PdPluginOptions) {
    this.access = { pdClients: opts.pdClients, pdStates: opts.pdStates };
    this.gracePeriodSeconds = opts.gracePeriodSeconds;
    this.readyTimeoutMs = opts.readyTimeoutMs ?? 2_000;
    // PD member names are the instance names.
    this.dataPlaneSource = opts.pdStates.dataPlaneSource((changes) => changes.members);
    const grace = this.gracePeriodSeconds;
    this.restart = {
      before: pdRestartSteps(this.access),
      after: [],
      ...(grace !== undefined ? { gracePeriodSeconds: () => grace } : {}),
    };
    this.scaleIn = {
      mode: 'delete',
      steps: pdScaleInSteps(this.access),
      mayRemove: (ctx, count) => this.mayRemove(ctx, count),
    };
    this.failover = pdFailover(this.access);
    this.syncSteps = [
      task<PdContext>(pdSyncSteps.checkReady, (ctx) => this.checkReady(ctx)),
      task<PdContext>(pdSyncSteps.reportMember, (ctx) => this.reportMember(ctx)),
    ];
  }

  // ---- group level ---------------------------------------------------------------------------------------

  validateTemplate(ctx: ComponentContext & { group: GroupObject }): string[] {
    const spec = ctx.group.spec.template.spec as { config?: string };
    const checked = validatePDConfig(spec.config ?? '');
    return checked.ok ? [] : checked.errors.map((e) => e.message);
  }

  services(ctx: ComponentContext & { group: GroupObject }): RenderedService[] {
    return [pdClientService(ctx.group)];
  }

  /** Members PD still lists under this group's names: never handed to a new instance (PD would refuse it). */
  namesInUse(ctx: ComponentContext & { group: GroupObject }): string[] {
    const snapshot = this.snapshotOf(ctx);
    const prefix = `${ctx.group.metadata.name}-`;
    return [...(snapshot?.members.keys() ?? [])].filter((name) => name.startsWith(prefix));
  }

  newInstanceAnnotations(ctx: ComponentContext & { group: GroupObject; name: string }): Record<string, string> {
    const primary = primaryPdGroup(ctx.groups.get(PD_COMPONENT) ?? [ctx.group]);
    return newMemberAnnotations({
      primaryGroup: primary === undefined || primary.metadata.name === ctx.group.metadata.name,
      clusterId: ctx.cluster.status?.id,
      knownMembers: this.snapshotOf(ctx)?.members.size ?? 0,
      replicas: ctx.group.spec.replicas,
      joins: joinUrlOf(ctx.group) !== undefined,
    });
  }

  /** The leader last. */
  disruptionCost(instance: InstanceObject): number {
    return (instance.status as { isLeader?: boolean } | undefined)?.isLeader === true ? 1 : 0;
  }

  clusterFacts(ctx: ComponentContext): ClusterFacts {
    const primary = primaryPdGroup(ctx.groups.get(PD_COMPONENT) ?? []);
    if (!primary) return {};
    const facts: ClusterFacts = {
      pd: pdServiceUrl(primary.metadata.name, ctx.cluster.metadata.namespace ?? 'default'),
    };
    const snapshot = this.snapshotOf(ctx);
    const id = isKnown(snapshot) ? snapshot.clusterId : undefined;
    if (id === undefined) return facts;
    const recorded = ctx.cluster.status?.id;
    if (recorded && recorded !== id) {
      // Never overwrite: TiKV stores carry the recorded id and refuse any other PD cluster.
      const note = `PD answers with cluster id ${id}, but the Cluster belongs to PD cluster ${recorded}: check that PD was not bootstrapped again`;
      ctx.logger.error('PD cluster id changed', { recorded, answered: id });
      ctx.events.record(
        { ...ctx.cluster, apiVersion: ctx.cluster.apiVersion, kind: ctx.cluster.kind },
        'Warning',
        'PDClusterIdMismatch',
        'PublishClusterId',
        note,
      );
      return facts;
    }
    return { ...facts, id };
  }

  private mayRemove(
    ctx: ComponentContext & { group: GroupObject; instances: readonly InstanceObject[]; removing?: readonly string[] },
    count: number,
  ): { ok: true } | { ok: false; reason: string } {
    const snapshot = this.snapshotOf(ctx);
    if (!isFresh(snapshot)) {
      // No PD cluster ever answered: there is no quorum to protect yet.
      if (
        !snapshot?.synced &&
        !ctx.cluster.status?.id &&
        !ctx.instances.some((i) => wasInitialized(i, pdView(undefined, i.metadata.name)))
      ) {
        return { ok: true };
      }
      return { ok: false, reason: 'PD does not answer: its quorum cannot be checked' };
    }
    return mayRemoveMembers({
      members: memberHealth(snapshot.members.values(), ctx.instances),
      leaving: leavingMembers(snapshot, ctx.group.metadata.name, ctx.instances),
      removing: ctx.removing ?? count,
    });
  }

  // ---- instance level ------------------------------------------------------------------------------------

  renderConfig(ctx: PdContext): RenderedConfig {
    const { instance, cluster } = ctx;
    const snapshot = ctx.dataPlane.snapshot;
    const peerViews = ctx.peers.map((p) => ({ peer: p, view: pdView(snapshot, p.metadata.name) }));
    const bootstrapPeers: BootstrapPeer[] = ctx.peers.flatMap((p) => {
      const size = bootstrapSizeOf(p);
      return size === undefined ? [] : [{ name: p.metadata.name, size, peerUrl: pdUrls(p).advertisePeerUrls }];
    });
    const membership = decideMembership({
      name: instance.metadata.name,
      bootstrapSize: bootstrapSizeOf(instance),
      initialized: wasInitialized(instance, ctx.dataPlane),
      clusterExists:
        Boolean(cluster.status?.id) ||
        (isKnown(snapshot) && snapshot.members.size > 0) ||
        peerViews.some(({ peer, view }) => peer.metadata.name !== instance.metadata.name && wasInitialized(peer, view)),
      bootstrapPeers,
      pdUrl: cluster.status?.pd,
      joinUrl: joinUrlOf(ctx.group),
      ownPdServes:
        isKnown(snapshot) &&
        ownPdServes(snapshot.members.values(), primaryPdGroup(ctx.groups.get(PD_COMPONENT) ?? [])?.metadata.name),
    });
    return renderPdConfig(instance, membership);
  }

  renderPod(ctx: PdContext): RenderedPod {
    return renderPdPod(ctx.instance, { terminationGracePeriodSeconds: this.gracePeriodSeconds });
  }

  loadDataPlane(ctx: InstanceContext<undefined>): PdView {
    const source = pdSourceOf(this.access, ctx.cluster);
    const view = pdView(source?.snapshot(), ctx.instance.metadata.name);
    // Kubernetes saw the Pod become ready or unready before PD's polled view can show it: look at PD now, so
    // quorum decisions (here and in the group) do not count a member that stopped serving.
    if (source && ctx.pod && isPodReady(ctx.pod) !== (view.member?.health === true)) {
      source.markBusy(BUSY_MS);
      source.refresh();
    }
    return view;
  }

  health(ctx: PdContext): { healthy: boolean; reason: string } {
    const answer = this.readiness.get(keyOf(ctx.instance));
    const podUid = ctx.pod?.metadata.uid;
    const ready = answer !== undefined && answer.podUid === podUid ? answer.ready : undefined;
    return pdHealth(currentView(this.access, ctx), ready, lastHealth(ctx.instance));
  }

  dataPlaneState(ctx: PdContext): DataPlaneState {
    return pdDataPlaneState(currentView(this.access, ctx));
  }

  /**
   * Step `check PD ready`: asks the member's /pd/api/v2/ready once its Pod is Ready and PD lists it healthy;
   * a positive answer holds for the life of that Pod, a negative one is asked again shortly.
   */
  private async checkReady(ctx: PdContext): Promise<TaskResult> {
    const key = keyOf(ctx.instance);
    const podUid = ctx.pod?.metadata.uid;
    const known = this.readiness.get(key);
    if (podUid === undefined || !isPodReady(ctx.pod)) return complete();
    if (known?.podUid === podUid && known.ready) return complete();
    const member = currentView(this.access, ctx).member;
    const url = member?.clientUrls[0];
    if (!member?.health || url === undefined) return complete();
    let ready = false;
    let detail = 'not ready';
    try {
      ready = await this.access.pdClients.get(url).ready({ signal: AbortSignal.timeout(this.readyTimeoutMs) });
    } catch (error) {
      detail = (error as Error).message;
    }
    this.readiness.set(key, { podUid, ready });
    return ready ? complete('ready') : retry(NOT_READY_RECHECK_MS, `/pd/api/v2/ready: ${detail}`);
  }

  /** Step `report member`: member id and leader flag into the status; conditions Initialized and Leader. */
  private reportMember(ctx: PdContext): TaskResult {
    const view = currentView(this.access, ctx);
    const conditions = (ctx.instance.status as { conditions?: { type: string }[] } | undefined)?.conditions ?? [];
    const report = memberReport(
      view,
      conditions.some((c) => c.type === pdConditionTypes.Initialized),
    );
    Object.assign(ctx.statusPatch, report.statusPatch);
    for (const c of report.conditions) ctx.setCondition(c.type, c.status, c.reason, c.message);
    // A running Pod PD does not list yet (bootstrap, join): poll fast until it does.
    if (!view.member && isPodReady(ctx.pod)) pdSourceOf(this.access, ctx.cluster)?.markBusy(BUSY_MS);
    return complete();
  }

  private snapshotOf(ctx: ComponentContext): PdSnapshot | undefined {
    return this.access.pdStates.sourceOf(ctx.cluster)?.snapshot();
  }
}

function keyOf(instance: InstanceObject): string {
  return `${instance.metadata.namespace ?? ''}/${instance.metadata.name}`;
}

/** The PD plugin, on the operator's shared PD client factory and state sources. */
export function createPdPlugin(opts: PdPluginOptions): PdPlugin {
  return new PdPlugin(opts);
}

/** The health verdict the instance's Ready condition records (a Pod-level reason is not a verdict on PD). */
function lastHealth(instance: InstanceObject): { healthy: boolean; reason: string } | undefined {
  const ready = getCondition((instance.status as { conditions?: Condition[] } | undefined)?.conditions, 'Ready');
  if (ready?.status === 'True') return { healthy: true, reason: ready.message ?? '' };
  if (ready?.status === 'False' && ready.reason === 'InstanceNotHealthy')
    return { healthy: false, reason: ready.message ?? '' };
  return undefined;
}
