// One collection listed and then watched, each change handed to a callback: for recorders that must see an object
// at the moment it changes (a Pod going, a mark set) and check the world then, not only where it ends up. No
// relist: a test's watch lives for minutes at most, well within the apiserver's watch cache window.
import type { KubeObject } from '../kube/object.ts';
import type { ApiClient } from './api.ts';

export type ObjectChange = 'ADDED' | 'MODIFIED' | 'DELETED';

export class ObjectWatch<T extends KubeObject = KubeObject> {
  private readonly abort = new AbortController();
  private done: Promise<unknown> | undefined;

  constructor(
    private readonly api: ApiClient,
    private readonly path: string,
    private readonly onChange: (type: ObjectChange, obj: T) => void,
  ) {}

  /** Lists the collection (each item handed over as ADDED), then watches it from the list's resourceVersion. */
  async start(): Promise<void> {
    const list = await this.api.get<{ metadata: { resourceVersion: string }; items: T[] }>(this.path);
    for (const obj of list.items) this.onChange('ADDED', obj);
    this.done = this.api
      .watch<T>(
        this.path,
        list.metadata.resourceVersion,
        (event) => {
          if (event.type === 'ADDED' || event.type === 'MODIFIED' || event.type === 'DELETED') {
            this.onChange(event.type, event.object);
          }
        },
        this.abort.signal,
      )
      // The stream ends with an abort error on stop, or when the control plane goes at the end of the file.
      .catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.done;
  }
}
