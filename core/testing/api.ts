// The harness's own minimal apiserver client: plain fetch with the cluster CA and a bearer token.
// The harness must not depend on the operator's KubeClient (it is what tests exercise), so it talks REST directly.

export type PatchType = 'merge' | 'strategic' | 'json';

const patchContentTypes: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
};

/** A non-2xx answer, with the apiserver's Status reason when it sent one (e.g. NotFound, AlreadyExists). */
export class ApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(`${method} ${path}: ${status} ${reason}: ${message}`);
    this.name = 'ApiError';
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.status === 404;
}

export function isAlreadyExists(err: unknown): boolean {
  return err instanceof ApiError && err.status === 409 && err.reason === 'AlreadyExists';
}

export function isConflict(err: unknown): boolean {
  return err instanceof ApiError && err.status === 409 && err.reason !== 'AlreadyExists';
}

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

export interface ApiClientOptions {
  server: string;
  token: string;
  caPem: string;
}

export class ApiClient {
  constructor(private readonly opts: ApiClientOptions) {}

  async request<T>(
    method: string,
    path: string,
    init: { body?: unknown; contentType?: string; signal?: AbortSignal } = {},
  ): Promise<T> {
    const res = await this.fetch(method, path, init);
    const text = await res.text();
    if (!res.ok) throw toApiError(method, path, res.status, text);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  create<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, { body });
  }

  replace<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, { body });
  }

  patch<T>(path: string, body: unknown, type: PatchType = 'merge'): Promise<T> {
    return this.request<T>('PATCH', path, { body, contentType: patchContentTypes[type] });
  }

  delete<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('DELETE', path, body === undefined ? {} : { body });
  }

  /** GET that answers undefined on 404 instead of throwing. */
  async find<T>(path: string): Promise<T | undefined> {
    try {
      return await this.get<T>(path);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /**
   * Streams watch events of a collection from `resourceVersion` until the server closes the stream or `signal`
   * aborts. Callers relist on an ERROR event (410 Gone) and re-watch when the stream ends.
   */
  async watch<T>(
    path: string,
    resourceVersion: string,
    onEvent: (event: WatchEvent<T>) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const sep = path.includes('?') ? '&' : '?';
    const url = `${path}${sep}watch=1&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(resourceVersion)}`;
    const res = await this.fetch('GET', url, { signal });
    if (!res.ok || !res.body) throw toApiError('GET', url, res.status, await res.text());
    const decoder = new TextDecoder();
    let buffered = '';
    for await (const chunk of res.body) {
      buffered += decoder.decode(chunk, { stream: true });
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line !== '') onEvent(JSON.parse(line) as WatchEvent<T>);
        newline = buffered.indexOf('\n');
      }
    }
  }

  private fetch(
    method: string,
    path: string,
    init: { body?: unknown; contentType?: string; signal?: AbortSignal },
  ): Promise<Response> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.opts.token}`,
      accept: 'application/json',
    };
    let body: string | undefined;
    if (init.body !== undefined) {
      body = JSON.stringify(init.body);
      headers['content-type'] = init.contentType ?? 'application/json';
    }
    return fetch(`${this.opts.server}${path}`, {
      method,
      headers,
      body,
      signal: init.signal,
      tls: { ca: this.opts.caPem },
    });
  }
}

function toApiError(method: string, path: string, status: number, text: string): ApiError {
  try {
    const parsed = JSON.parse(text) as { reason?: string; message?: string };
    return new ApiError(method, path, status, parsed.reason ?? '', parsed.message ?? text);
  } catch {
    return new ApiError(method, path, status, '', text);
  }
}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Shown in the timeout error: what was being waited for. */
  what?: string;
  /** Called before each attempt; what it throws ends the wait at once (e.g. "the process died"). */
  check?: () => void;
}

/**
 * Polls `probe` until it returns a value other than undefined/false, and returns that value.
 * Probe errors count as "not yet" (the server may still be starting) and the last one is reported on timeout.
 */
export async function waitFor<T>(probe: () => Promise<T | undefined | false>, opts: WaitOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const intervalMs = opts.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    opts.check?.();
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const cause = lastError instanceof Error ? `: last error: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${opts.what ?? 'condition'}${cause}`);
    }
    await Bun.sleep(intervalMs);
  }
}
