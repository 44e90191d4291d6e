// The sample component's plugin: the smallest complete implementation of the plugin contract. Its protocol
// steps act on the in-memory SampleDataPlane, record what they did, and can be held by a test (the step then
// returns `wait` until released), which is how tests observe and interrupt restarts and removals.
import { stringify } from 'smol-toml';
import { validateTomlConfig } from '../../api/config.ts';
import { resolveImage } from '../../api/template.ts';
import type {
  ComponentContext,
  ComponentPlugin,
  DataPlaneState,
  FailoverProtocol,
  GroupObject,
  InstanceContext,
  RenderedConfig,
  RenderedPod,
  RestartProtocol,
  ScaleInProtocol,
} from '../../plugin/contract.ts';
import { complete, type TaskResult, wait } from '../../tasks/result.ts';
import { type Task, task } from '../../tasks/task.ts';
import {
  SAMPLE_COMPONENT,
  SAMPLE_DATA_DIRECTORY,
  SAMPLE_IMAGE_REPOSITORY,
  SAMPLE_MANAGED_CONFIG_KEYS,
  sampleGroupKind,
  sampleKind,
} from './api.ts';
import type { SampleDataPlane, SampleMember } from './data-plane.ts';

/** What a sample instance's reconcile sees of the data plane. */
export interface SampleView {
  /** The instance's member; undefined until its Pod has run once (it joins then). */
  member: SampleMember | undefined;
}

export type SampleContext = InstanceContext<SampleView>;

/** One protocol step that changed something, in the order they happened. */
export interface SampleCall {
  step: SampleStepName;
  namespace: string;
  instance: string;
  /** UID of the instance's Pod when the step acted (undefined: no Pod). */
  podUid: string | undefined;
  /** Whether that Pod was already terminating. */
  podDeleting: boolean;
}

export const sampleSteps = {
  /** restart.before: drain the member before its Pod is deleted. */
  drain: 'drain member',
  /** restart.after: undrain it once the Pod runs again. */
  undrain: 'undrain member',
  /** scaleIn.steps[0]: Up -> Removing. */
  startRemoval: 'start removal',
  /** scaleIn.steps[1]: Removing -> Removed (what the data plane would do after moving the data away). */
  finishRemoval: 'finish removal',
  /** scaleIn.cancelSteps: Removing -> Up. */
  cancelRemoval: 'cancel removal',
  /** syncSteps[0]: the member joins once the Pod runs. */
  join: 'join member',
  /** syncSteps[1]: member id and state into the instance status. */
  report: 'report member',
  /** failover.forgetSteps (mode recreateEmpty): the data plane forgets the member. */
  forget: 'forget member',
} as const;
export type SampleStepName = (typeof sampleSteps)[keyof typeof sampleSteps];

export interface SamplePluginOptions {
  dataPlane: SampleDataPlane;
  /** Default `delete`. Can be changed later through `scaleInMode`. */
  scaleInMode?: 'offline' | 'delete';
  /** Grace period of every Pod deletion; default 1 s (kwok honours it; tests want it short). */
  gracePeriodSeconds?: number;
  /** Failover support: none by default (like a plugin that does not declare `failover`). */
  failoverMode?: 'replace' | 'recreateEmpty';
}

/** The main container's port. */
export const SAMPLE_PORT = { name: 'client', port: 7000 } as const;
export const SAMPLE_CONFIG_DIRECTORY = '/etc/sample';
export const SAMPLE_CONFIG_FILE = 'config.toml';

export class SamplePlugin implements ComponentPlugin<SampleView> {
  readonly name = SAMPLE_COMPONENT;
  readonly groupKind = sampleGroupKind;
  readonly instanceKind = sampleKind;
  readonly dependsOn: readonly string[] = [];
  readonly ports = [SAMPLE_PORT];
  readonly dataDirectory = SAMPLE_DATA_DIRECTORY;
  readonly dataPlaneSource: SampleDataPlane;
  readonly restart: RestartProtocol<SampleView>;
  readonly scaleIn: ScaleInProtocol<SampleView>;
  readonly syncSteps: Task<SampleContext>[];

  /** Which scale-in protocol the plugin declares; tests may switch it between tests. */
  scaleInMode: 'offline' | 'delete';
  gracePeriodSeconds: number;
  /** When set, `scaleIn.mayRemove` refuses with this reason. */
  removalRefusal: string | undefined;
  /** Which failover protocol the plugin declares (undefined: none); tests may switch it. */
  failoverMode: 'replace' | 'recreateEmpty' | undefined;
  /** When set, `failover.mayFailover` refuses with this reason (a test's stand-in for "PD has no quorum"). */
  failoverRefusal: string | undefined;
  /** Every instance `failover.mayFailover` was asked about, in order. */
  readonly failoverQuestions: string[] = [];
  /** Every step that acted, in order. */
  readonly calls: SampleCall[] = [];
  /** How often `loadDataPlane` ran: once per reconcile that got that far (tests count reconciles with it). */
  dataPlaneLoads = 0;

  private readonly dataPlane: SampleDataPlane;
  private readonly holds = new Set<string>();
  /** Held steps that were reached: hold key -> namespace/instance pairs blocked there. */
  private readonly blocked = new Map<string, Map<string, { namespace: string; instance: string }>>();

  constructor(opts: SamplePluginOptions) {
    this.dataPlane = opts.dataPlane;
    this.dataPlaneSource = opts.dataPlane;
    this.scaleInMode = opts.scaleInMode ?? 'delete';
    this.failoverMode = opts.failoverMode;
    this.gracePeriodSeconds = opts.gracePeriodSeconds ?? 1;
    const self = this;
    this.restart = {
      before: [this.step(sampleSteps.drain, (ctx, m) => this.drain(ctx, m))],
      after: [this.step(sampleSteps.undrain, (ctx, m) => this.undrain(ctx, m))],
      gracePeriodSeconds: () => this.gracePeriodSeconds,
    };
    this.scaleIn = {
      get mode() {
        return self.scaleInMode;
      },
      steps: [
        this.step(sampleSteps.startRemoval, (ctx, m) => this.startRemoval(ctx, m)),
        this.step(sampleSteps.finishRemoval, (ctx, m) => this.finishRemoval(ctx, m)),
      ],
      cancelSteps: [this.step(sampleSteps.cancelRemoval, (ctx, m) => this.cancelRemoval(ctx, m))],
      isRemoved: (ctx) => {
        const member = this.memberOf(ctx);
        return member === undefined || member.state === 'Removed';
      },
      isRemoving: (ctx) => this.memberOf(ctx)?.state === 'Removing',
      mayRemove: () => (this.removalRefusal === undefined ? { ok: true } : { ok: false, reason: this.removalRefusal }),
    };
    this.syncSteps = [
      this.step(sampleSteps.join, (ctx, m) => this.join(ctx, m)),
      task<SampleContext>(sampleSteps.report, (ctx) => {
        const member = this.memberOf(ctx);
        if (member) Object.assign(ctx.statusPatch, { memberId: member.id, memberState: member.state });
        return complete();
      }),
    ];
  }

  /**
   * `replace`: no extra steps; `recreateEmpty`: `forget member` removes the member from the data plane, so the
   * instance joins again as a new member (new id) under its old name. `mayFailover` refuses with
   * `failoverRefusal` when a test sets it.
   */
  get failover(): FailoverProtocol<SampleView> | undefined {
    const mode = this.failoverMode;
    if (mode === undefined) return undefined;
    return {
      mode,
      mayFailover: (ctx) => {
        this.failoverQuestions.push(ctx.failing);
        return this.failoverRefusal === undefined ? { ok: true } : { ok: false, reason: this.failoverRefusal };
      },
      forgetSteps: [
        this.step(sampleSteps.forget, (ctx, m) => {
          if (!m) return false;
          this.dataPlane.forget(namespaceOf(ctx), m.name);
          return true;
        }),
      ],
    };
  }

  /**
   * Holds a step: it returns `wait` (and changes nothing) until `release`. With `instance`, only for that
   * instance; without, for every instance.
   */
  hold(step: SampleStepName, instance?: string): void {
    this.holds.add(holdKey(step, instance));
  }

  /** Releases a hold and wakes the instances blocked on it (through the data-plane watch). */
  release(step: SampleStepName, instance?: string): void {
    const key = holdKey(step, instance);
    this.holds.delete(key);
    for (const { namespace, instance: name } of this.blocked.get(key)?.values() ?? []) {
      this.dataPlane.touch(namespace, name);
    }
    this.blocked.delete(key);
  }

  /** Whether an instance reached a held step (the step is blocking it now). */
  reached(step: SampleStepName, instance: string): boolean {
    return [holdKey(step, instance), holdKey(step)].some((key) =>
      [...(this.blocked.get(key)?.values() ?? [])].some((b) => b.instance === instance),
    );
  }

  /** The calls of one instance (in one namespace, when given), as step names. */
  callsOf(instance: string, namespace?: string): SampleStepName[] {
    return this.calls
      .filter((c) => c.instance === instance && (namespace === undefined || c.namespace === namespace))
      .map((c) => c.step);
  }

  renderConfig(ctx: SampleContext): RenderedConfig {
    const checked = validateTomlConfig(ctx.instance.spec.config ?? '', SAMPLE_MANAGED_CONFIG_KEYS);
    if (!checked.ok) return { ok: false, errors: checked.errors.map((e) => e.message) };
    return {
      ok: true,
      fileName: SAMPLE_CONFIG_FILE,
      content: stringify({ ...checked.config, name: ctx.instance.metadata.name }),
    };
  }

  /** The group's template config, checked like `renderConfig` checks an instance's. */
  validateTemplate(ctx: ComponentContext & { group: GroupObject }): string[] {
    const spec = ctx.group.spec.template.spec as { config?: string };
    const checked = validateTomlConfig(spec.config ?? '', SAMPLE_MANAGED_CONFIG_KEYS);
    return checked.ok ? [] : checked.errors.map((e) => e.message);
  }

  /** Members of the group's instances the data plane still lists (in any state, until `forget`). */
  namesInUse(ctx: ComponentContext & { group: GroupObject }): string[] {
    const prefix = `${ctx.group.metadata.name}-`;
    return this.dataPlane
      .membersOf(ctx.group.metadata.namespace ?? '', ctx.cluster.metadata.name)
      .map((m) => m.name)
      .filter((name) => name.startsWith(prefix));
  }

  renderPod(ctx: SampleContext): RenderedPod {
    const spec = ctx.instance.spec;
    const resources: Record<string, string> = {};
    const template = spec as { resources?: { cpu?: string | number; memory?: string | number } };
    if (template.resources?.cpu !== undefined) resources.cpu = String(template.resources.cpu);
    if (template.resources?.memory !== undefined) resources.memory = String(template.resources.memory);
    const container: RenderedPod['container'] = {
      name: SAMPLE_COMPONENT,
      image: resolveImage(spec, SAMPLE_IMAGE_REPOSITORY),
      imagePullPolicy: 'IfNotPresent',
      command: ['/sample-server', '--config', `${SAMPLE_CONFIG_DIRECTORY}/${SAMPLE_CONFIG_FILE}`],
      ports: [{ name: SAMPLE_PORT.name, containerPort: SAMPLE_PORT.port }],
    };
    if (Object.keys(resources).length > 0) container.resources = { requests: resources, limits: resources };
    return {
      container,
      configMountPath: SAMPLE_CONFIG_DIRECTORY,
      terminationGracePeriodSeconds: this.gracePeriodSeconds,
    };
  }

  loadDataPlane(ctx: InstanceContext<undefined>): SampleView {
    this.dataPlaneLoads++;
    return { member: this.dataPlane.member(namespaceOf(ctx), ctx.instance.metadata.name) };
  }

  health(ctx: SampleContext): { healthy: boolean; reason: string } {
    const member = this.memberOf(ctx);
    if (!member) return { healthy: false, reason: 'the member has not joined yet' };
    if (member.down) return { healthy: false, reason: 'the member is down' };
    if (member.state !== 'Up') return { healthy: false, reason: `the member is ${member.state}` };
    return { healthy: true, reason: 'the member is Up' };
  }

  /** Down when a test marked the member down; disconnected before it joined; up otherwise (also while removed). */
  dataPlaneState(ctx: SampleContext): DataPlaneState {
    const member = this.memberOf(ctx);
    if (!member) return { state: 'disconnected', message: 'the member has not joined' };
    if (member.down) return { state: 'down', message: `member ${member.id} is down` };
    return { state: 'up', message: `member ${member.id} is ${member.state}` };
  }

  private memberOf(ctx: SampleContext): SampleMember | undefined {
    // Read the data plane, not the snapshot: an earlier step of the same reconcile may have changed it.
    return this.dataPlane.member(namespaceOf(ctx), ctx.instance.metadata.name);
  }

  private drain(ctx: SampleContext, member: SampleMember | undefined): boolean {
    if (member?.state !== 'Up' || member.drained) return false;
    this.dataPlane.setDrained(namespaceOf(ctx), member.name, true);
    return true;
  }

  private undrain(ctx: SampleContext, member: SampleMember | undefined): boolean {
    if (!member?.drained) return false;
    this.dataPlane.setDrained(namespaceOf(ctx), member.name, false);
    return true;
  }

  private startRemoval(ctx: SampleContext, member: SampleMember | undefined): boolean {
    if (member?.state !== 'Up') return false;
    this.dataPlane.startRemoval(namespaceOf(ctx), member.name);
    return true;
  }

  private finishRemoval(ctx: SampleContext, member: SampleMember | undefined): boolean {
    if (member?.state !== 'Removing') return false;
    this.dataPlane.finishRemoval(namespaceOf(ctx), member.name);
    return true;
  }

  private cancelRemoval(ctx: SampleContext, member: SampleMember | undefined): boolean {
    if (member?.state !== 'Removing') return false;
    this.dataPlane.cancelRemoval(namespaceOf(ctx), member.name);
    return true;
  }

  private join(ctx: SampleContext, member: SampleMember | undefined): boolean {
    const pod = ctx.pod as { status?: { phase?: string }; metadata: { deletionTimestamp?: string } } | undefined;
    if (member || pod?.status?.phase !== 'Running' || pod.metadata.deletionTimestamp) return false;
    this.dataPlane.join(namespaceOf(ctx), ctx.instance.spec.cluster.name, ctx.instance.metadata.name);
    return true;
  }

  /**
   * A protocol step: held -> wait; otherwise `act` (which returns whether it changed anything; changes are
   * recorded in `calls`) and complete.
   */
  private step(
    name: SampleStepName,
    act: (ctx: SampleContext, member: SampleMember | undefined) => boolean,
  ): Task<SampleContext> {
    return task<SampleContext>(name, (ctx): TaskResult => {
      const instance = ctx.instance.metadata.name;
      const key = [holdKey(name, instance), holdKey(name)].find((k) => this.holds.has(k));
      if (key !== undefined) {
        let blocked = this.blocked.get(key);
        if (!blocked) {
          blocked = new Map();
          this.blocked.set(key, blocked);
        }
        blocked.set(`${namespaceOf(ctx)}/${instance}`, { namespace: namespaceOf(ctx), instance });
        return wait(`${name} is held by the test`);
      }
      if (act(ctx, this.memberOf(ctx))) {
        this.calls.push({
          step: name,
          namespace: namespaceOf(ctx),
          instance,
          podUid: ctx.pod?.metadata.uid,
          podDeleting: ctx.pod?.metadata.deletionTimestamp !== undefined,
        });
      }
      return complete();
    });
  }
}

function holdKey(step: string, instance?: string): string {
  return `${step}|${instance ?? '*'}`;
}

function namespaceOf(ctx: { instance: { metadata: { namespace?: string } } }): string {
  return ctx.instance.metadata.namespace ?? '';
}
