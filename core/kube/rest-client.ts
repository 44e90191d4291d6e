// KubeClient over the apiserver's JSON REST API. Requests are raw JSON (no client-node model classes, whose
// Date fields would differ from what watches deliver); credentials and TLS come from client-node's KubeConfig
// through KubeTransport. Every failure is a KubeApiError.
import type { KubeConfig } from '@kubernetes/client-node';
import type {
  ApplyOptions,
  DeleteOptions,
  KubeClient,
  ListOptions,
  ListResult,
  WatchEventType,
  WatchHandle,
  WatchOptions,
} from './client.ts';
import { kubeConfigFromString, loadKubeConfig } from './config.ts';
import { isGone, KubeApiError, kubeApiErrorFromResponse, kubeTransportError } from './errors.ts';
import type { KubeObject, ResourceKind } from './object.ts';
import { collectionPath, objectPath, withTypeMeta } from './paths.ts';
import { type HttpRequest, KubeTransport } from './transport.ts';

export const DEFAULT_FIELD_MANAGER = 'tikv-operator';

/** client-go's verbs, as the apiserver's audit log and metrics name them. */
export type ApiVerb = 'get' | 'list' | 'create' | 'update' | 'delete' | 'patch' | 'apply' | 'watch';

export interface RequestInfo {
  verb: ApiVerb;
  kind: string;
  /** HTTP status, or `<error>` (client-go's label) when no answer came. */
  code: number | '<error>';
  durationSeconds: number;
}

export interface RestKubeClientOptions {
  /** Field manager for server-side apply; default `tikv-operator`. */
  fieldManager?: string;
  /** Page size of lists; the client follows continue tokens to the end. Default 500 (client-go's pager). */
  pageSize?: number;
  /** Also the default field manager of non-apply writes (the apiserver takes the part before `/`). */
  userAgent?: string;
  requestTimeoutMs?: number;
  /** A watch with timeoutSeconds that the server has not ended this long after that is given up. Default 30 s. */
  watchGraceMs?: number;
  /** Called once per HTTP request (each list page, each watch start), for API request metrics. */
  onRequest?(info: RequestInfo): void;
}

const MERGE_PATCH = 'application/merge-patch+json';
const APPLY_PATCH = 'application/apply-patch+yaml';
const JSON_TYPE = 'application/json';

const watchEventTypes = new Set<string>(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

interface RawList {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: KubeObject[];
}

export class RestKubeClient implements KubeClient {
  readonly server: string;
  private readonly transport: KubeTransport;
  private readonly fieldManager: string;
  private readonly pageSize: number;
  private readonly onRequest: ((info: RequestInfo) => void) | undefined;
  private readonly watchGraceMs: number;

  constructor(kubeConfig: KubeConfig, opts: RestKubeClientOptions = {}) {
    this.transport = new KubeTransport(kubeConfig, {
      userAgent: opts.userAgent ?? DEFAULT_FIELD_MANAGER,
      requestTimeoutMs: opts.requestTimeoutMs,
    });
    this.server = this.transport.server;
    this.fieldManager = opts.fieldManager ?? DEFAULT_FIELD_MANAGER;
    this.pageSize = opts.pageSize ?? 500;
    this.onRequest = opts.onRequest;
    this.watchGraceMs = opts.watchGraceMs ?? 30_000;
  }

  /** From a kubeconfig file, with its current context (or `context`). */
  static fromKubeconfigFile(path: string, opts: RestKubeClientOptions & { context?: string } = {}): RestKubeClient {
    return new RestKubeClient(loadKubeConfig({ path, context: opts.context }).kubeConfig, opts);
  }

  /** From kubeconfig YAML, for example what a test control plane prints. */
  static fromKubeconfigYaml(yaml: string, opts: RestKubeClientOptions & { context?: string } = {}): RestKubeClient {
    return new RestKubeClient(kubeConfigFromString(yaml, opts.context), opts);
  }

  async get<T extends KubeObject>(kind: ResourceKind, name: string, namespace?: string): Promise<T> {
    const obj = await this.json<T>('get', kind, { method: 'GET', path: objectPath(kind, name, namespace) });
    return withTypeMeta(kind, obj);
  }

  async list<T extends KubeObject>(kind: ResourceKind, opts: ListOptions = {}): Promise<ListResult<T>> {
    const limit = opts.limit ?? this.pageSize;
    const items: T[] = [];
    let resourceVersion: string | undefined;
    let token: string | undefined;
    do {
      let page: RawList;
      try {
        page = await this.json<RawList>('list', kind, {
          method: 'GET',
          path: collectionPath(kind, opts.namespace),
          query: query({
            labelSelector: opts.labelSelector,
            fieldSelector: opts.fieldSelector,
            limit,
            continue: token,
          }),
        });
      } catch (err) {
        // A continue token outlives etcd's compaction window only for ~5 minutes; client-go's pager then
        // starts over with one unpaginated list, which is consistent by construction.
        if (token !== undefined && isGone(err)) return this.list(kind, { ...opts, limit: 0 });
        throw err;
      }
      for (const item of page.items ?? []) items.push(withTypeMeta(kind, item as T));
      resourceVersion ??= page.metadata?.resourceVersion;
      token = page.metadata?.continue || undefined;
    } while (token !== undefined);
    return { items, resourceVersion: resourceVersion ?? '' };
  }

  async create<T extends KubeObject>(kind: ResourceKind, obj: T): Promise<T> {
    const res = await this.json<T>('create', kind, {
      method: 'POST',
      path: collectionPath(kind, requireNamespace(kind, obj)),
      body: JSON.stringify(withTypeMeta(kind, obj)),
      contentType: JSON_TYPE,
    });
    return withTypeMeta(kind, res);
  }

  async replace<T extends KubeObject>(kind: ResourceKind, obj: T): Promise<T> {
    const res = await this.json<T>('update', kind, {
      method: 'PUT',
      path: objectPath(kind, obj.metadata.name, obj.metadata.namespace),
      body: JSON.stringify(withTypeMeta(kind, obj)),
      contentType: JSON_TYPE,
    });
    return withTypeMeta(kind, res);
  }

  async delete(kind: ResourceKind, name: string, namespace?: string, opts: DeleteOptions = {}): Promise<void> {
    const body: Record<string, unknown> = { apiVersion: 'v1', kind: 'DeleteOptions' };
    if (opts.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = opts.gracePeriodSeconds;
    if (opts.preconditions) body.preconditions = opts.preconditions;
    if (opts.propagationPolicy) body.propagationPolicy = opts.propagationPolicy;
    await this.json('delete', kind, {
      method: 'DELETE',
      path: objectPath(kind, name, namespace),
      body: JSON.stringify(body),
      contentType: JSON_TYPE,
    });
  }

  async mergePatch<T extends KubeObject>(
    kind: ResourceKind,
    name: string,
    namespace: string | undefined,
    patch: unknown,
  ): Promise<T> {
    const res = await this.json<T>('patch', kind, {
      method: 'PATCH',
      path: objectPath(kind, name, namespace),
      body: JSON.stringify(patch),
      contentType: MERGE_PATCH,
    });
    return withTypeMeta(kind, res);
  }

  async apply<T extends KubeObject>(kind: ResourceKind, obj: T, opts: ApplyOptions = {}): Promise<T> {
    return this.serverSideApply(kind, obj, opts);
  }

  async patchStatus<T extends KubeObject>(
    kind: ResourceKind,
    name: string,
    namespace: string | undefined,
    status: unknown,
  ): Promise<T> {
    const res = await this.json<T>('patch', kind, {
      method: 'PATCH',
      path: objectPath(kind, name, namespace, 'status'),
      body: JSON.stringify({ status }),
      contentType: MERGE_PATCH,
    });
    return withTypeMeta(kind, res);
  }

  async applyStatus<T extends KubeObject>(kind: ResourceKind, obj: T, opts: ApplyOptions = {}): Promise<T> {
    return this.serverSideApply(kind, obj, opts, 'status');
  }

  async watch(
    kind: ResourceKind,
    opts: WatchOptions,
    onEvent: (type: WatchEventType, obj: KubeObject & Record<string, unknown>) => void,
  ): Promise<WatchHandle> {
    const req: HttpRequest = {
      method: 'GET',
      path: collectionPath(kind, opts.namespace),
      query: query({
        watch: true,
        resourceVersion: opts.resourceVersion,
        allowWatchBookmarks: opts.allowWatchBookmarks,
        labelSelector: opts.labelSelector,
        fieldSelector: opts.fieldSelector,
        timeoutSeconds: opts.timeoutSeconds,
      }),
    };
    const started = performance.now();
    let stream: Awaited<ReturnType<KubeTransport['stream']>>;
    try {
      stream = await this.transport.stream(req);
    } catch (err) {
      this.observe('watch', kind, '<error>', started);
      throw err;
    }
    this.observe('watch', kind, stream.status, started);
    const { response } = stream;
    if (stream.status !== 200) {
      const body = await readAll(response);
      throw kubeApiErrorFromResponse(stream.status, body, `watch ${kind.kind}`);
    }

    let stopped = false;
    let settle!: (v: unknown) => void;
    const done = new Promise<unknown>((resolve) => {
      settle = resolve;
    });
    let finished = false;
    let deadline: ReturnType<typeof setTimeout> | undefined;
    const finish = (outcome: unknown) => {
      if (finished) return;
      finished = true;
      clearTimeout(deadline);
      stream.abort();
      settle(stopped ? undefined : outcome);
    };
    // A connection that died silently (no FIN, no RST) would leave the watch, and the cache behind it,
    // waiting forever; the apiserver ends a watch at timeoutSeconds, so one still open well after that is dead.
    if (opts.timeoutSeconds) {
      const graceMs = this.watchGraceMs;
      deadline = setTimeout(
        () => {
          const seconds = opts.timeoutSeconds! + graceMs / 1000;
          finish(
            kubeTransportError(
              `watch ${kind.kind}`,
              `stream still open ${seconds}s after it started (timeoutSeconds=${opts.timeoutSeconds})`,
            ),
          );
        },
        opts.timeoutSeconds * 1000 + graceMs,
      );
      (deadline as { unref?: () => void }).unref?.();
    }

    let buffered = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      buffered += chunk;
      let nl = buffered.indexOf('\n');
      while (nl >= 0 && !finished) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        nl = buffered.indexOf('\n');
        if (line === '') continue;
        try {
          deliver(kind, line, onEvent);
        } catch (err) {
          finish(err instanceof KubeApiError ? err : kubeTransportError(`watch ${kind.kind}`, err));
        }
      }
    });
    response.on('end', () => finish(undefined));
    response.on('error', (err) => finish(kubeTransportError(`watch ${kind.kind}`, err)));
    response.on('close', () =>
      finish(response.complete ? undefined : kubeTransportError(`watch ${kind.kind}`, 'stream closed')),
    );

    return {
      done,
      stop: () => {
        stopped = true;
        finish(undefined);
      },
    };
  }

  /** Closes pooled connections; the client can still be used afterwards (new connections are opened). */
  close(): void {
    this.transport.close();
  }

  private async serverSideApply<T extends KubeObject>(
    kind: ResourceKind,
    obj: T,
    opts: ApplyOptions,
    subresource?: 'status',
  ): Promise<T> {
    const res = await this.json<T>('apply', kind, {
      method: 'PATCH',
      path: objectPath(kind, obj.metadata.name, obj.metadata.namespace, subresource),
      // JSON is valid YAML; the apiserver requires apiVersion and kind in an apply body.
      body: JSON.stringify(withTypeMeta(kind, obj)),
      contentType: APPLY_PATCH,
      query: query({ fieldManager: opts.fieldManager ?? this.fieldManager, force: opts.force ?? true }),
    });
    return withTypeMeta(kind, res);
  }

  private async json<T>(verb: ApiVerb, kind: ResourceKind, req: HttpRequest): Promise<T> {
    const started = performance.now();
    let res: Awaited<ReturnType<KubeTransport['request']>>;
    try {
      res = await this.transport.request(req);
    } catch (err) {
      this.observe(verb, kind, '<error>', started);
      throw err;
    }
    this.observe(verb, kind, res.status, started);
    if (res.status < 200 || res.status > 299) {
      throw kubeApiErrorFromResponse(res.status, res.body, `${req.method} ${req.path}`);
    }
    try {
      return JSON.parse(res.body) as T;
    } catch (err) {
      throw new KubeApiError({
        code: res.status,
        reason: 'InvalidResponse',
        message: `${req.method} ${req.path}: response is not JSON: ${res.body.slice(0, 200)}`,
        cause: err,
      });
    }
  }

  private observe(verb: ApiVerb, kind: ResourceKind, code: number | '<error>', started: number): void {
    this.onRequest?.({ verb, kind: kind.kind, code, durationSeconds: (performance.now() - started) / 1000 });
  }
}

function deliver(
  kind: ResourceKind,
  line: string,
  onEvent: (type: WatchEventType, obj: KubeObject & Record<string, unknown>) => void,
): void {
  const event = JSON.parse(line) as { type?: string; object?: KubeObject & Record<string, unknown> };
  if (!event.type || !watchEventTypes.has(event.type) || !event.object) return;
  const type = event.type as WatchEventType;
  // ERROR carries a Status and BOOKMARK a stub with only metadata.resourceVersion: leave both as sent.
  const obj = type === 'ERROR' || type === 'BOOKMARK' ? event.object : withTypeMeta(kind, event.object);
  onEvent(type, obj);
}

function requireNamespace(kind: ResourceKind, obj: KubeObject): string | undefined {
  if (kind.namespaced && !obj.metadata.namespace) {
    throw new Error(`${kind.kind} "${obj.metadata.name ?? obj.metadata.generateName}": namespace required`);
  }
  return kind.namespaced ? obj.metadata.namespace : undefined;
}

function query(params: Record<string, string | number | boolean | undefined>): URLSearchParams {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === '' || v === false || v === 0) continue;
    q.set(k, String(v));
  }
  return q;
}

function readAll(response: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    response.on('data', (c: Buffer | string) => chunks.push(typeof c === 'string' ? Buffer.from(c) : c));
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}
