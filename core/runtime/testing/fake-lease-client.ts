// An in-memory apiserver for Leases, enough for leader election tests: get, create and replace with
// resourceVersion checks and the apiserver's error reasons. Several clients share one store, and each
// client can be cut off (requests fail) or stalled (requests never answer) to simulate a partitioned pod.
import type { KubeClient } from '../../kube/client.ts';
import { KubeApiError } from '../../kube/errors.ts';
import type { KubeObject, ResourceKind } from '../../kube/object.ts';
import { keyOf } from '../../kube/object.ts';

export class FakeLeaseStore {
  readonly objects = new Map<string, KubeObject>();
  private version = 0;
  /** Every request, as `<client> <verb> <key>`. */
  readonly requests: string[] = [];

  client(name: string): FakeLeaseClient {
    return new FakeLeaseClient(this, name);
  }

  /** The stored object (a copy). */
  read<T extends KubeObject>(key: string): T | undefined {
    const obj = this.objects.get(key);
    return obj ? (structuredClone(obj) as T) : undefined;
  }

  nextVersion(): string {
    this.version++;
    return String(this.version);
  }
}

function notImplemented(method: string): never {
  throw new Error(`FakeLeaseClient.${method} is not implemented`);
}

export class FakeLeaseClient implements KubeClient {
  /** Requests fail with a transport error while set. */
  down = false;
  /** Requests never answer while set. */
  stalled = false;

  constructor(
    private readonly store: FakeLeaseStore,
    readonly name: string,
  ) {}

  private async call<T>(verb: string, key: string, fn: () => T): Promise<T> {
    this.store.requests.push(`${this.name} ${verb} ${key}`);
    if (this.stalled) return new Promise<T>(() => {});
    if (this.down) {
      throw new KubeApiError({ code: 0, reason: 'TransportError', message: `${verb} ${key}: connection refused` });
    }
    await Promise.resolve();
    return fn();
  }

  get<T extends KubeObject>(kind: ResourceKind, name: string, namespace?: string): Promise<T> {
    const key = keyOf({ metadata: { name, namespace } });
    return this.call('get', key, () => {
      const obj = this.store.read<T>(key);
      if (!obj)
        throw new KubeApiError({ code: 404, reason: 'NotFound', message: `${kind.plural} "${name}" not found` });
      return obj;
    });
  }

  create<T extends KubeObject>(kind: ResourceKind, obj: T): Promise<T> {
    const key = keyOf(obj);
    return this.call('create', key, () => {
      if (this.store.objects.has(key)) {
        throw new KubeApiError({
          code: 409,
          reason: 'AlreadyExists',
          message: `${kind.plural} "${obj.metadata.name}" already exists`,
        });
      }
      const stored = JSON.parse(JSON.stringify(obj)) as T;
      stored.metadata.resourceVersion = this.store.nextVersion();
      this.store.objects.set(key, stored);
      return structuredClone(stored);
    });
  }

  replace<T extends KubeObject>(kind: ResourceKind, obj: T): Promise<T> {
    const key = keyOf(obj);
    return this.call('replace', key, () => {
      const current = this.store.objects.get(key);
      if (!current) throw new KubeApiError({ code: 404, reason: 'NotFound', message: `${kind.plural} not found` });
      if (obj.metadata.resourceVersion !== current.metadata.resourceVersion) {
        throw new KubeApiError({
          code: 409,
          reason: 'Conflict',
          message: `Operation cannot be fulfilled on ${kind.plural} "${obj.metadata.name}": the object has been modified`,
        });
      }
      // JSON round trip: undefined fields disappear, as they would on the wire.
      const stored = JSON.parse(JSON.stringify(obj)) as T;
      stored.metadata.resourceVersion = this.store.nextVersion();
      this.store.objects.set(key, stored);
      return structuredClone(stored);
    });
  }

  list(): never {
    return notImplemented('list');
  }
  delete(): never {
    return notImplemented('delete');
  }
  mergePatch(): never {
    return notImplemented('mergePatch');
  }
  apply(): never {
    return notImplemented('apply');
  }
  patchStatus(): never {
    return notImplemented('patchStatus');
  }
  applyStatus(): never {
    return notImplemented('applyStatus');
  }
  watch(): never {
    return notImplemented('watch');
  }
}
