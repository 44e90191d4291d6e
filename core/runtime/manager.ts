// The manager runs the operator's runtime in the right order: informers first (controllers read only from
// caches, so nothing reconciles before every cache is synced), then the controllers, only while this process
// holds the leader Lease when leader election is on. Shutdown runs the other way round: controllers drain
// their in-flight reconciles, the Lease is handed back, the informers stop.
// No dependency injection here: the composition root builds the manager and passes everything in.
import type { Informer } from '../cache/informer.ts';
import type { KubeObject, ResourceKind } from '../kube/object.ts';
import { type Logger, silentLogger } from '../observability/log.ts';
import type { Clock } from './clock.ts';
import type { Controller } from './controller.ts';
import { LeaderElector, type LeaderElectorOptions } from './leader-election.ts';

/** Which objects of a kind an informer caches. */
export interface InformerScope {
  /** Only this namespace; all namespaces when omitted. */
  namespace?: string;
  labelSelector?: string;
}

/** Builds an informer (core/cache provides the real one; tests pass fakes). Called once per kind and scope. */
export type InformerFactory = (kind: ResourceKind, scope: InformerScope) => Informer<KubeObject>;

export interface ManagerOptions {
  informerFactory: InformerFactory;
  /** Leader election; controllers run only while this process holds the Lease. Off when omitted. */
  leaderElection?: Omit<LeaderElectorOptions, 'callbacks' | 'clock' | 'logger'>;
  clock?: Clock;
  logger?: Logger;
}

export class Manager {
  private readonly opts: ManagerOptions;
  private readonly logger: Logger;
  private readonly informers = new Map<string, Informer<KubeObject>>();
  private readonly controllers: Controller[] = [];
  private readonly elector: LeaderElector | undefined;
  private readonly lifetime = new AbortController();
  private started = false;
  private synced = false;
  private controllersActive = false;
  private controllerRun: Promise<void> | undefined;
  private electorRun: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(opts: ManagerOptions) {
    this.opts = opts;
    this.logger = (opts.logger ?? silentLogger()).child({ component: 'manager' });
    if (opts.leaderElection) {
      this.elector = new LeaderElector({
        ...opts.leaderElection,
        clock: opts.clock,
        logger: opts.logger,
        callbacks: {
          onStartedLeading: (signal) => this.runControllers(signal),
          onStoppedLeading: () => this.controllerRun,
        },
      });
    }
  }

  /**
   * The shared informer for a kind and scope, created on first use. Call before `start` (controllers register
   * their watches on it when they are built).
   */
  informer<T extends KubeObject>(kind: ResourceKind, scope: InformerScope = {}): Informer<T> {
    const id = JSON.stringify([kind.group, kind.kind, scope.namespace ?? '', scope.labelSelector ?? '']);
    let informer = this.informers.get(id);
    if (!informer) {
      if (this.started) throw new Error(`informer for ${kind.kind} requested after the manager started`);
      informer = this.opts.informerFactory(kind, scope);
      this.informers.set(id, informer);
    }
    // The factory is asked for `kind`; its objects are the caller's T by that contract.
    return informer as unknown as Informer<T>;
  }

  add(controller: Controller): this {
    if (this.started) throw new Error(`controller ${controller.name} added after the manager started`);
    this.controllers.push(controller);
    return this;
  }

  /**
   * Starts the informers and waits until all are synced, then starts the controllers (or the leader election
   * that starts them). Resolves once that is under way; rejects when an informer cannot sync. Aborting
   * `signal` is the same as calling `stop`.
   */
  async start(signal?: AbortSignal): Promise<void> {
    if (this.started) throw new Error('the manager was already started');
    this.started = true;
    if (signal) {
      if (signal.aborted) return void this.stop();
      signal.addEventListener('abort', () => void this.stop(), { once: true });
    }
    const informers = [...this.informers.values()];
    for (const informer of informers) informer.start();
    try {
      await Promise.all(informers.map((informer) => informer.waitForSync(this.lifetime.signal)));
    } catch (error) {
      if (this.lifetime.signal.aborted) return;
      throw error;
    }
    if (this.lifetime.signal.aborted) return;
    this.synced = true;
    this.logger.info('caches synced', { informers: informers.length });
    if (this.elector) {
      this.electorRun = this.elector.run(this.lifetime.signal);
    } else {
      this.runControllers(this.lifetime.signal);
    }
  }

  /** Drains the controllers, releases the Lease, stops the informers. Idempotent; resolves when all stopped. */
  stop(): Promise<void> {
    if (!this.stopping) {
      this.stopping = (async () => {
        this.logger.info('stopping');
        this.lifetime.abort();
        // With leader election the elector awaits the controllers' drain before it releases the Lease.
        await this.electorRun;
        await this.controllerRun;
        await Promise.all([...this.informers.values()].map((informer) => (this.started ? informer.stop() : undefined)));
        this.logger.info('stopped');
      })();
    }
    return this.stopping;
  }

  /** True once every informer has synced (it stays true; informers keep their caches current by themselves). */
  isSynced(): boolean {
    return this.synced;
  }

  /** Whether this process does the leader's work: it holds the Lease, or leader election is off and it runs. */
  isLeader(): boolean {
    return this.elector ? this.elector.isLeader() : this.controllersActive;
  }

  /** True while the controllers run (between their start and the end of their drain). */
  controllersRunning(): boolean {
    return this.controllersActive;
  }

  private runControllers(signal: AbortSignal): void {
    this.controllersActive = true;
    this.logger.info('starting controllers', { controllers: this.controllers.map((c) => c.name) });
    // The run lasts until the signal aborts even when no controller is registered (or one returns early), so
    // "controllers running" means "this process does the leader's work now".
    const untilAborted = new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    this.controllerRun = Promise.all([...this.controllers.map((c) => c.start(signal)), untilAborted]).then(
      () => {
        this.controllersActive = false;
      },
      (error: unknown) => {
        this.controllersActive = false;
        this.logger.error('a controller failed', { error });
      },
    );
  }
}
