// A minimal list+watch mirror of one collection for the harness's own loops (the volume provisioner).
// Relists on 410 Gone / watch errors and re-watches when the server ends a stream.
import type { KubeObject } from '../kube/object.ts';
import { keyOf } from '../kube/object.ts';
import type { ApiClient, WatchEvent } from './api.ts';

export class Reflector<T extends KubeObject> {
  readonly items = new Map<string, T>();
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private synced!: () => void;
  /** Resolves after the first complete list. */
  readonly hasSynced = new Promise<void>((resolve) => {
    this.synced = resolve;
  });

  constructor(
    private readonly api: ApiClient,
    private readonly path: string,
    private readonly onChange: () => void,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { signal } = this.abort;
    while (!signal.aborted) {
      try {
        let rv = await this.relist();
        for (;;) {
          if (signal.aborted) return;
          let gone = false;
          await this.api.watch<T>(
            this.path,
            rv,
            (event: WatchEvent<T>) => {
              if (event.type === 'ERROR') {
                gone = true;
                return;
              }
              rv = event.object.metadata.resourceVersion ?? rv;
              if (event.type === 'BOOKMARK') return;
              const key = keyOf(event.object);
              if (event.type === 'DELETED') this.items.delete(key);
              else this.items.set(key, event.object);
              this.onChange();
            },
            signal,
          );
          if (gone) break;
        }
      } catch (err) {
        if (signal.aborted) return;
        this.onError(err);
        await Bun.sleep(500);
      }
    }
  }

  private async relist(): Promise<string> {
    const list = await this.api.get<{ items: T[]; metadata: { resourceVersion: string } }>(this.path);
    this.items.clear();
    for (const item of list.items) this.items.set(keyOf(item), item);
    this.synced();
    this.onChange();
    return list.metadata.resourceVersion;
  }
}
