// Test support: a small in-memory apiserver over real TLS (node:https) for testing the REST client's wire
// behaviour: auth as the server sees it (client certificate CN, Authorization header), paths, content types,
// query parameters, Status errors, list pagination and watch streams. It models only what the client relies
// on (resourceVersion, preconditions, 404/409/410/422), not admission, field ownership or defaulting.
import http, { type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import tls, { type TLSSocket } from 'node:tls';
import type { StatusCause } from '../errors.ts';

export interface FakeResource {
  /** `/api/v1` or `/apis/<group>/<version>`. */
  prefix: string;
  plural: string;
  kind: string;
  apiVersion: string;
  namespaced: boolean;
  /** Returns the failing fields of an object; any cause makes a write 422 Invalid. */
  validate?(obj: StoredObject): StatusCause[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  contentType?: string;
  authorization?: string;
  /** CN of the client certificate, when the client presented one. */
  clientCN?: string;
  body?: string;
}

export interface StoredObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

interface Watcher {
  resource: FakeResource;
  namespace?: string;
  bookmarks: boolean;
  res: ServerResponse;
}

/** Returned by request handlers once they have answered, so that `return answer(...)` reads as "done". */
type Handled = true;

interface HistoryEntry {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  resource: FakeResource;
  obj: StoredObject;
}

export class FakeApiServer {
  readonly requests: RecordedRequest[] = [];
  /** Every continue token is answered with 410 Expired (the apiserver after etcd compaction). */
  expireContinueTokens = false;
  private readonly objects = new Map<string, StoredObject>();
  private readonly history: HistoryEntry[] = [];
  private readonly watchers = new Set<Watcher>();
  private rv = 100;
  private uid = 0;
  /** Watches from a resourceVersion below this get a 410 ERROR event (compacted history). */
  private oldestWatchableRv = 0;

  private constructor(
    private readonly server: tls.Server,
    private readonly http: http.Server,
    private readonly sockets: Set<TLSSocket>,
    readonly url: string,
    private readonly resources: FakeResource[],
  ) {}

  static async start(opts: {
    tls: { key: string; cert: string; ca: string };
    resources: FakeResource[];
  }): Promise<FakeApiServer> {
    // A node:tls server handing its sockets to a node:http server, rather than node:https: Bun's https
    // server sockets do not expose getPeerCertificate(), its tls sockets do (as Node's and Deno's both do).
    const httpServer = http.createServer();
    const sockets = new Set<TLSSocket>();
    const server = tls.createServer(
      {
        key: opts.tls.key,
        cert: opts.tls.cert,
        ca: opts.tls.ca,
        // Ask for a client certificate but accept token-only clients too, as kube-apiserver does.
        requestCert: true,
        rejectUnauthorized: false,
      },
      (socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        httpServer.emit('connection', socket);
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const fake = new FakeApiServer(server, httpServer, sockets, `https://127.0.0.1:${port}`, opts.resources);
    httpServer.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const socket = req.socket as TLSSocket;
        const cert = socket.authorized ? socket.getPeerCertificate() : undefined;
        const url = new URL(req.url ?? '/', fake.url);
        const rec: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams };
        const ct = req.headers['content-type'];
        if (ct) rec.contentType = ct;
        if (req.headers.authorization) rec.authorization = req.headers.authorization;
        const cn = cert?.subject?.CN;
        if (cn) rec.clientCN = Array.isArray(cn) ? cn.join(',') : cn;
        if (chunks.length > 0) rec.body = Buffer.concat(chunks).toString('utf8');
        fake.requests.push(rec);
        fake.handle(rec, res);
      });
    });
    return fake;
  }

  async close(): Promise<void> {
    this.closeWatches();
    this.http.closeAllConnections();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Puts an object in the store as if created (new uid and resourceVersion), notifying watches. */
  seed(plural: string, obj: StoredObject): StoredObject {
    const resource = this.resources.find((r) => r.plural === plural);
    if (!resource) throw new Error(`unknown resource ${plural}`);
    return this.write(resource, 'ADDED', this.stamp(resource, obj, true));
  }

  /** Deletes an object as if by another client (watches see DELETED). */
  deleteObject(plural: string, name: string, namespace?: string): void {
    const resource = this.resources.find((r) => r.plural === plural);
    const current = this.objects.get(objectKey(plural, name, namespace));
    if (!resource || !current) throw new Error(`no ${plural} ${namespace ?? ''}/${name}`);
    this.objects.delete(objectKey(plural, name, namespace));
    this.record(resource, 'DELETED', {
      ...current,
      metadata: { ...current.metadata, resourceVersion: String(++this.rv) },
    });
  }

  /** Sends a BOOKMARK with the current resourceVersion to every watch that asked for bookmarks. */
  bookmark(): string {
    const rv = String(this.rv);
    for (const w of this.watchers) {
      if (w.bookmarks) {
        send(w.res, {
          type: 'BOOKMARK',
          object: { kind: w.resource.kind, apiVersion: w.resource.apiVersion, metadata: { resourceVersion: rv } },
        });
      }
    }
    return rv;
  }

  /** Forgets history: later watches from an older resourceVersion get 410. */
  compact(): void {
    this.oldestWatchableRv = this.rv;
    this.history.length = 0;
  }

  /** Ends every open watch stream cleanly (the apiserver's timeoutSeconds). */
  closeWatches(): void {
    for (const w of this.watchers) w.res.end();
    this.watchers.clear();
  }

  openWatches(): number {
    return this.watchers.size;
  }

  stored(plural: string, name: string, namespace?: string): StoredObject | undefined {
    return this.objects.get(objectKey(plural, name, namespace));
  }

  private handle(req: RecordedRequest, res: ServerResponse): Handled {
    const route = this.route(req.path);
    if (!route) return status(res, 404, 'NotFound', 'the server could not find the requested resource');
    const { resource, namespace, name, subresource } = route;
    try {
      if (!name) {
        if (req.method === 'GET' && req.query.get('watch') === 'true') return this.watch(req, res, resource, namespace);
        if (req.method === 'GET') return this.list(req, res, resource, namespace);
        if (req.method === 'POST') return this.create(req, res, resource, namespace);
      } else {
        const key = objectKey(resource.plural, name, namespace);
        if (req.method === 'GET') return this.get(res, resource, key, name);
        if (req.method === 'PUT') return this.update(req, res, resource, key, name, subresource);
        if (req.method === 'PATCH') return this.patch(req, res, resource, key, name, namespace, subresource);
        if (req.method === 'DELETE') return this.handleDelete(req, res, resource, key, name);
      }
      return status(res, 405, 'MethodNotAllowed', `${req.method} is not supported here`);
    } catch (err) {
      return status(res, 400, 'BadRequest', (err as Error).message);
    }
  }

  private route(path: string) {
    for (const resource of this.resources) {
      if (!path.startsWith(`${resource.prefix}/`)) continue;
      const parts = path
        .slice(resource.prefix.length + 1)
        .split('/')
        .map(decodeURIComponent);
      let namespace: string | undefined;
      if (parts[0] === 'namespaces' && parts.length >= 3) {
        namespace = parts[1];
        parts.splice(0, 2);
      }
      if (parts[0] !== resource.plural) continue;
      return { resource, namespace, name: parts[1], subresource: parts[2] };
    }
    return undefined;
  }

  private get(res: ServerResponse, r: FakeResource, key: string, name: string): Handled {
    const obj = this.objects.get(key);
    if (!obj) return notFound(res, r, name);
    return json(res, 200, obj);
  }

  private list(req: RecordedRequest, res: ServerResponse, r: FakeResource, ns?: string): Handled {
    const token = req.query.get('continue');
    if (token && this.expireContinueTokens) {
      return status(
        res,
        410,
        'Expired',
        'The provided continue parameter is too old to display a consistent list result.',
      );
    }
    const [listRv, offset] = token ? (JSON.parse(atob(token)) as [string, number]) : [String(this.rv), 0];
    const selector = req.query.get('labelSelector');
    const all = [...this.objects.values()]
      .filter((o) => o.kind === r.kind && (!ns || o.metadata.namespace === ns) && matchesLabels(o, selector))
      .sort((a, b) =>
        objectKey('', a.metadata.name, a.metadata.namespace).localeCompare(
          objectKey('', b.metadata.name, b.metadata.namespace),
        ),
      );
    const limit = Number(req.query.get('limit') ?? '0');
    const end = limit > 0 ? Math.min(all.length, offset + limit) : all.length;
    const metadata: Record<string, string> = { resourceVersion: listRv };
    if (end < all.length) metadata.continue = btoa(JSON.stringify([listRv, end]));
    // Like the apiserver, list items carry no apiVersion/kind.
    const items = all.slice(offset, end).map(({ apiVersion: _a, kind: _k, ...rest }) => rest);
    return json(res, 200, { apiVersion: r.apiVersion, kind: `${r.kind}List`, metadata, items });
  }

  private create(req: RecordedRequest, res: ServerResponse, r: FakeResource, ns?: string): Handled {
    const obj = JSON.parse(req.body ?? '{}') as StoredObject;
    if (r.namespaced) obj.metadata.namespace = ns;
    const key = objectKey(r.plural, obj.metadata.name, ns);
    if (this.objects.has(key)) {
      return status(res, 409, 'AlreadyExists', `${r.plural} "${obj.metadata.name}" already exists`, {
        name: obj.metadata.name,
        kind: r.plural,
      });
    }
    if (this.rejectInvalid(res, r, obj)) return true;
    return json(res, 201, this.write(r, 'ADDED', this.stamp(r, obj, true)));
  }

  private update(
    req: RecordedRequest,
    res: ServerResponse,
    r: FakeResource,
    key: string,
    name: string,
    subresource?: string,
  ): Handled {
    const current = this.objects.get(key);
    if (!current) return notFound(res, r, name);
    const obj = JSON.parse(req.body ?? '{}') as StoredObject;
    if (obj.metadata.resourceVersion !== current.metadata.resourceVersion) return conflict(res, r, name);
    const next = subresource === 'status' ? { ...current, status: obj.status } : { ...obj, status: current.status };
    if (this.rejectInvalid(res, r, next)) return true;
    return json(res, 200, this.write(r, 'MODIFIED', this.stamp(r, next, false, current)));
  }

  private patch(
    req: RecordedRequest,
    res: ServerResponse,
    r: FakeResource,
    key: string,
    name: string,
    ns: string | undefined,
    subresource?: string,
  ): Handled {
    const patch = JSON.parse(req.body ?? '{}') as Record<string, unknown>;
    const current = this.objects.get(key);
    if (req.contentType === 'application/apply-patch+yaml') {
      if (!req.query.get('fieldManager')) return status(res, 400, 'BadRequest', 'fieldManager is required for apply');
      if (!patch.apiVersion || !patch.kind) return status(res, 400, 'BadRequest', 'apiVersion and kind must be set');
    } else if (req.contentType !== 'application/merge-patch+json') {
      return status(
        res,
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format: ${req.contentType}`,
      );
    } else if (!current) {
      return notFound(res, r, name);
    }
    const base: StoredObject = current ?? { apiVersion: r.apiVersion, kind: r.kind, metadata: { name, namespace: ns } };
    const patched = mergePatch(base, subresource === 'status' ? { status: patch.status } : patch) as StoredObject;
    if (this.rejectInvalid(res, r, patched)) return true;
    const stamped = this.stamp(r, patched, !current, current);
    return json(res, current ? 200 : 201, this.write(r, current ? 'MODIFIED' : 'ADDED', stamped));
  }

  private handleDelete(req: RecordedRequest, res: ServerResponse, r: FakeResource, key: string, name: string): Handled {
    const current = this.objects.get(key);
    if (!current) return notFound(res, r, name);
    const opts = JSON.parse(req.body || '{}') as { preconditions?: { uid?: string; resourceVersion?: string } };
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== current.metadata.uid) {
      return status(
        res,
        409,
        'Conflict',
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`,
      );
    }
    if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) return conflict(res, r, name);
    this.objects.delete(key);
    const deleted = { ...current, metadata: { ...current.metadata, resourceVersion: String(++this.rv) } };
    this.record(r, 'DELETED', deleted);
    return json(res, 200, deleted);
  }

  private watch(req: RecordedRequest, res: ServerResponse, r: FakeResource, ns?: string): Handled {
    const from = Number(req.query.get('resourceVersion') ?? '0');
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    // The apiserver flushes the headers of a watch at once; clients wait for them before the first event.
    res.flushHeaders();
    if (from > 0 && from < this.oldestWatchableRv) {
      send(res, {
        type: 'ERROR',
        object: {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: `too old resource version: ${from} (${this.oldestWatchableRv})`,
          reason: 'Expired',
          code: 410,
        },
      });
      res.end();
      return true;
    }
    const w: Watcher = { resource: r, namespace: ns, bookmarks: req.query.get('allowWatchBookmarks') === 'true', res };
    for (const h of this.history) if (h.rv > from && this.matches(w, h)) send(res, { type: h.type, object: h.obj });
    this.watchers.add(w);
    res.on('close', () => this.watchers.delete(w));
    return true;
  }

  private matches(w: Watcher, h: HistoryEntry): boolean {
    return h.resource === w.resource && (!w.namespace || h.obj.metadata.namespace === w.namespace);
  }

  private rejectInvalid(res: ServerResponse, r: FakeResource, obj: StoredObject): boolean {
    const causes = r.validate?.(obj) ?? [];
    if (causes.length === 0) return false;
    const detail = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
    status(
      res,
      422,
      'Invalid',
      `${r.kind}.${r.prefix.split('/')[2] ?? ''} "${obj.metadata.name}" is invalid: ${detail}`,
      {
        name: obj.metadata.name,
        kind: r.kind,
        causes,
      },
    );
    return true;
  }

  private stamp(r: FakeResource, obj: StoredObject, isNew: boolean, current?: StoredObject): StoredObject {
    return {
      ...obj,
      apiVersion: r.apiVersion,
      kind: r.kind,
      metadata: {
        ...obj.metadata,
        uid: isNew ? `uid-${++this.uid}` : current?.metadata.uid,
        resourceVersion: String(++this.rv),
        creationTimestamp: isNew ? '2026-01-01T00:00:00Z' : current?.metadata.creationTimestamp,
      },
    };
  }

  private write(r: FakeResource, type: 'ADDED' | 'MODIFIED', obj: StoredObject): StoredObject {
    this.objects.set(objectKey(r.plural, obj.metadata.name, obj.metadata.namespace), obj);
    this.record(r, type, obj);
    return obj;
  }

  private record(r: FakeResource, type: HistoryEntry['type'], obj: StoredObject): void {
    const entry: HistoryEntry = { rv: Number(obj.metadata.resourceVersion), type, resource: r, obj };
    this.history.push(entry);
    for (const w of this.watchers) if (this.matches(w, entry)) send(w.res, { type, object: obj });
  }
}

function objectKey(plural: string, name: string, namespace?: string): string {
  return `${plural}/${namespace ?? ''}/${name}`;
}

function matchesLabels(obj: StoredObject, selector: string | null): boolean {
  if (!selector) return true;
  const labels = (obj.metadata.labels ?? {}) as Record<string, string>;
  return selector.split(',').every((term) => {
    const [k, v] = term.split('=');
    return k !== undefined && labels[k] === v;
  });
}

/** RFC 7386 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as object) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function send(res: ServerResponse, event: unknown): void {
  res.write(`${JSON.stringify(event)}\n`);
}

function json(res: ServerResponse, code: number, body: unknown): Handled {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
  return true;
}

function status(
  res: ServerResponse,
  code: number,
  reason: string,
  message: string,
  details?: Record<string, unknown>,
): Handled {
  return json(res, code, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    details,
    code,
  });
}

function notFound(res: ServerResponse, r: FakeResource, name: string): Handled {
  return status(res, 404, 'NotFound', `${r.plural} "${name}" not found`, { name, kind: r.plural });
}

function conflict(res: ServerResponse, r: FakeResource, name: string): Handled {
  return status(
    res,
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${r.plural} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, kind: r.plural },
  );
}
