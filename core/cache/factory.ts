// One informer per (kind, namespace, selectors), shared by every controller that asks for it: one LIST+WATCH
// and one copy of the objects in memory however many controllers read them (client-go's SharedInformerFactory).
import type { KubeClient } from '../kube/client.ts';
import type { KubeObject, ResourceKind } from '../kube/object.ts';
import type { Informer } from './informer.ts';
import { type InformerMetrics, type InformerOptions, type InformerScope, SharedInformer } from './shared-informer.ts';

export interface InformerFactoryOptions extends Omit<InformerOptions, keyof InformerScope | 'metrics'> {
  /** Metrics per informer, for example `(kind) => metrics.informerObserver(kind.kind)`. */
  metricsFor?(kind: ResourceKind, scope: InformerScope): InformerMetrics;
}

export class SharedInformerFactory {
  private readonly informers = new Map<string, SharedInformer<KubeObject>>();
  private running = false;

  constructor(
    private readonly client: KubeClient,
    private readonly opts: InformerFactoryOptions = {},
  ) {}

  /**
   * The shared informer for this kind and scope, created on first request. Informers requested after
   * `startAll()` start at once; handlers added later still get every cached object replayed as `add`.
   */
  informerFor<T extends KubeObject = KubeObject>(kind: ResourceKind, scope: InformerScope = {}): Informer<T> {
    const key = informerKey(kind, scope);
    let informer = this.informers.get(key);
    if (!informer) {
      const { metricsFor, ...rest } = this.opts;
      informer = new SharedInformer(this.client, kind, {
        ...rest,
        ...scope,
        metrics: metricsFor?.(kind, scope),
      });
      this.informers.set(key, informer);
      if (this.running) informer.start();
    }
    return informer as unknown as Informer<T>;
  }

  startAll(): void {
    this.running = true;
    for (const informer of this.informers.values()) informer.start();
  }

  async stopAll(): Promise<void> {
    this.running = false;
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }

  /** Resolves when every informer created so far has completed its first list. */
  async waitForCacheSync(signal?: AbortSignal): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync(signal)));
  }
}

function informerKey(kind: ResourceKind, scope: InformerScope): string {
  return JSON.stringify([
    kind.group,
    kind.version,
    kind.plural,
    scope.namespace ?? '',
    scope.labelSelector ?? '',
    scope.fieldSelector ?? '',
  ]);
}
