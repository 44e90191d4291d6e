// The TikvClusters, cached while their CRD is served. The legacy CRD (crds/legacy/) is installed by hand, so the
// operator may run with the gate on and no CRD. An informer of the manager would then never sync (its LIST keeps
// failing with 404) and hold back every controller of the operator, so this cache lives outside the manager: it
// runs while the legacy controller runs (a Controller source), checks with a LIST whether TikvClusters can be
// read, says once in the log why not (not installed, not allowed, apiserver error) and checks again every
// `recheckMs`; once they can, it starts its own informer and feeds the controller the TikvCluster keys.
import type { InformerMetrics } from '../../../core/cache/shared-informer.ts';
import { SharedInformer } from '../../../core/cache/shared-informer.ts';
import type { KubeClient } from '../../../core/kube/client.ts';
import { isForbidden, isNotFound } from '../../../core/kube/errors.ts';
import { type KubeObject, keyOf } from '../../../core/kube/object.ts';
import type { Logger, LogLevel } from '../../../core/observability/log.ts';
import { type Clock, sleep } from '../../../core/runtime/clock.ts';
import { LEGACY_API_FEATURE_GATE, LEGACY_API_GROUP, LEGACY_PLURAL, type LegacyStatus, legacyResource } from '../api.ts';
import { LEGACY_CRD_PATH } from '../crd.ts';

/** A TikvCluster as the legacy controller reads it: only its status. */
export type TikvClusterObject = KubeObject & { status?: LegacyStatus };

/** What a LIST of TikvClusters says about the legacy API. */
export type LegacyApiState = 'served' | 'notInstalled' | 'forbidden' | 'failing';

/** Where the operator's extra rights for TikvClusters are (docs/install.md). */
export const LEGACY_RBAC_PATH = 'deploy/legacy-api/';

/** The state a LIST ended in: no error is `served`. */
export function legacyApiStateOf(error: unknown): LegacyApiState {
  if (error === undefined) return 'served';
  // 404 on a collection: the apiserver does not know the resource (the CRD is missing or not Established).
  if (isNotFound(error)) return 'notInstalled';
  if (isForbidden(error)) return 'forbidden';
  return 'failing';
}

/** The log line for a state, written once each time the state changes. */
export function legacyApiStateMessage(state: LegacyApiState, recheckMs: number): { level: LogLevel; message: string } {
  const resource = `${LEGACY_PLURAL}.${LEGACY_API_GROUP}`;
  const again = `checking again every ${Math.round(recheckMs / 1000)}s`;
  switch (state) {
    case 'served':
      return { level: 'info', message: `serving the legacy TikvCluster API (feature gate ${LEGACY_API_FEATURE_GATE})` };
    case 'notInstalled':
      return {
        level: 'error',
        message: `feature gate ${LEGACY_API_FEATURE_GATE} is on, but the TikvCluster CRD (${resource}) is not installed: TikvClusters are not served until it is (kubectl apply --server-side -f ${LEGACY_CRD_PATH}); ${again}`,
      };
    case 'forbidden':
      return {
        level: 'error',
        message: `feature gate ${LEGACY_API_FEATURE_GATE} is on, but the operator may not list ${resource}: grant it ${LEGACY_RBAC_PATH} (kubectl apply -k ${LEGACY_RBAC_PATH}); ${again}`,
      };
    case 'failing':
      return { level: 'warn', message: `cannot list ${resource}; ${again}` };
  }
}

export interface TikvClusterCacheOptions {
  client: KubeClient;
  /** Only this namespace; every namespace when omitted. */
  namespace?: string | undefined;
  clock: Clock;
  logger: Logger;
  /** How often to check again while TikvClusters cannot be read. */
  recheckMs: number;
  informerMetrics?: InformerMetrics;
}

export class TikvClusterCache {
  /** The informer of the current run, once TikvClusters are served. */
  private informer: SharedInformer<TikvClusterObject> | undefined;

  constructor(private readonly opts: TikvClusterCacheOptions) {}

  /** The cached TikvCluster; undefined when it does not exist or TikvClusters are not served (yet). */
  get(key: string): TikvClusterObject | undefined {
    return this.informer?.get(key);
  }

  /**
   * `Controller.watchesSource`: called when the controller starts, with the function that queues keys; returns
   * the function called when it stops. An informer cannot start again once stopped, and a controller runs again
   * each time this process becomes the leader, so every run gets its own.
   */
  readonly source = (emit: (keys: readonly string[]) => void): (() => void) => {
    const stopped = new AbortController();
    let informer: SharedInformer<TikvClusterObject> | undefined;
    const start = async () => {
      if (!(await this.waitUntilServed(stopped.signal))) return;
      informer = new SharedInformer<TikvClusterObject>(this.opts.client, legacyResource, {
        namespace: this.opts.namespace,
        clock: this.opts.clock,
        log: this.opts.logger,
        metrics: this.opts.informerMetrics,
      });
      informer.addHandler((event) => {
        if (!stopped.signal.aborted) emit([keyOf(event.obj)]);
      });
      this.informer = informer;
      informer.start();
    };
    start().catch((error: unknown) => this.opts.logger.error('TikvCluster cache failed', { error }));
    return () => {
      stopped.abort();
      if (this.informer === informer) this.informer = undefined;
      informer?.stop().catch((error: unknown) => this.opts.logger.warn('TikvCluster cache stop failed', { error }));
    };
  };

  /** Lists TikvClusters until that works; false when stopped first. */
  private async waitUntilServed(signal: AbortSignal): Promise<boolean> {
    let last: LegacyApiState | undefined;
    for (;;) {
      let error: unknown;
      try {
        await this.opts.client.list(legacyResource, { namespace: this.opts.namespace });
      } catch (caught) {
        error = caught;
      }
      if (signal.aborted) return false;
      const state = legacyApiStateOf(error);
      if (state !== last) {
        const { level, message } = legacyApiStateMessage(state, this.opts.recheckMs);
        this.opts.logger[level](message, error === undefined ? {} : { error });
        last = state;
      }
      if (state === 'served') return true;
      if (!(await sleep(this.opts.clock, this.opts.recheckMs, signal))) return false;
    }
  }
}
