// Test support: a KubeClient whose LIST answers and WATCH streams a test scripts step by step, for testing
// informers without an apiserver. Writes are outside its purpose and fail loudly.
import type {
  KubeClient,
  ListOptions,
  ListResult,
  WatchEventType,
  WatchHandle,
  WatchOptions,
} from '../../kube/client.ts';
import type { KubeObject, ResourceKind } from '../../kube/object.ts';

type Obj = KubeObject & Record<string, unknown>;

/** One open watch as the test sees it: push events, then end it cleanly or with an error. */
export class ScriptedWatch {
  private resolveDone!: (v: unknown) => void;
  private ended = false;
  readonly done: Promise<unknown> = new Promise((resolve) => {
    this.resolveDone = resolve;
  });
  stoppedByClient = false;

  constructor(
    readonly options: WatchOptions,
    private readonly onEvent: (type: WatchEventType, obj: Obj) => void,
  ) {}

  get isOpen(): boolean {
    return !this.ended;
  }

  emit(type: WatchEventType, obj: KubeObject | Record<string, unknown>): void {
    if (this.ended) throw new Error('emit on an ended watch');
    this.onEvent(type, obj as Obj);
  }

  bookmark(resourceVersion: string): void {
    this.emit('BOOKMARK', { metadata: { resourceVersion } });
  }

  /** An ERROR event carrying a Status, as the apiserver sends it before closing. */
  error(code: number, reason: string, message: string): void {
    this.emit('ERROR', { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message });
  }

  /** The server ends the stream (timeoutSeconds elapsed, apiserver restart...). */
  close(): void {
    this.end(undefined);
  }

  /** The stream breaks (connection reset...). */
  fail(error: Error): void {
    this.end(error);
  }

  handle(): WatchHandle {
    return {
      done: this.done,
      stop: () => {
        this.stoppedByClient = true;
        this.end(undefined);
      },
    };
  }

  private end(result: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.resolveDone(result);
  }
}

type ListAnswer = ListResult<KubeObject> | Error;
type WatchAnswer = 'open' | Error;

export class ScriptedKubeClient implements KubeClient {
  readonly listCalls: { kind: ResourceKind; opts: ListOptions }[] = [];
  readonly watchCalls: { kind: ResourceKind; opts: WatchOptions }[] = [];
  readonly watches: ScriptedWatch[] = [];
  private readonly listAnswers: ListAnswer[] = [];
  private readonly watchAnswers: WatchAnswer[] = [];
  private watchWaiters: (() => void)[] = [];

  /** Queues the answer of the next LIST (an Error rejects it). */
  answerList(answer: ListAnswer): void {
    this.listAnswers.push(answer);
  }

  /** Queues an error for the next WATCH request (instead of opening a stream). */
  rejectNextWatch(error: Error): void {
    this.watchAnswers.push(error);
  }

  /** The most recent watch. */
  get lastWatch(): ScriptedWatch {
    const w = this.watches.at(-1);
    if (!w) throw new Error('no watch was opened');
    return w;
  }

  async list<T extends KubeObject>(kind: ResourceKind, opts: ListOptions = {}): Promise<ListResult<T>> {
    this.listCalls.push({ kind, opts });
    const answer = this.listAnswers.shift();
    if (!answer) throw new Error(`unscripted LIST of ${kind.kind}`);
    if (answer instanceof Error) throw answer;
    return answer as ListResult<T>;
  }

  async watch(
    kind: ResourceKind,
    opts: WatchOptions,
    onEvent: (type: WatchEventType, obj: Obj) => void,
  ): Promise<WatchHandle> {
    this.watchCalls.push({ kind, opts });
    const answer = this.watchAnswers.shift() ?? 'open';
    if (answer instanceof Error) {
      this.notifyWatchCall();
      throw answer;
    }
    const w = new ScriptedWatch(opts, onEvent);
    this.watches.push(w);
    this.notifyWatchCall();
    return w.handle();
  }

  /** Resolves once `n` watch requests (successful or not) have been made in total. */
  async waitForWatchCalls(n: number): Promise<void> {
    while (this.watchCalls.length < n) await new Promise<void>((r) => this.watchWaiters.push(r));
  }

  private notifyWatchCall(): void {
    const waiters = this.watchWaiters;
    this.watchWaiters = [];
    for (const w of waiters) w();
  }

  get(): Promise<never> {
    return unsupported('get');
  }
  create(): Promise<never> {
    return unsupported('create');
  }
  replace(): Promise<never> {
    return unsupported('replace');
  }
  delete(): Promise<never> {
    return unsupported('delete');
  }
  mergePatch(): Promise<never> {
    return unsupported('mergePatch');
  }
  apply(): Promise<never> {
    return unsupported('apply');
  }
  patchStatus(): Promise<never> {
    return unsupported('patchStatus');
  }
  applyStatus(): Promise<never> {
    return unsupported('applyStatus');
  }
}

function unsupported(method: string): Promise<never> {
  return Promise.reject(new Error(`ScriptedKubeClient scripts LIST and WATCH only; ${method} was called`));
}
