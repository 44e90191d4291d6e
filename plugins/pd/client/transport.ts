// One HTTP exchange with PD, the way every PD call is made: the URL goes through the address resolver at
// send time (mappings change while the operator runs), each attempt has its own timeout on the injected
// clock, and a failed attempt is repeated with exponential backoff only when repeating is safe: the request
// never reached PD (any method), or it is idempotent and the failure is transient.

import type { AddressResolver } from '../../../core/net/resolver.ts';
import type { Logger } from '../../../core/observability/log.ts';
import { type Clock, sleep } from '../../../core/runtime/clock.ts';
import { isTransient, PdApiError, PdUnreachableError, wasNotProcessed } from './errors.ts';

/**
 * TLS material for `https://` PD URLs, in PEM. Passed to fetch's `tls` option, which Bun implements (Deno
 * ignores it: there a custom `fetch` built on `Deno.createHttpClient` must be injected).
 */
export interface PdTlsOptions {
  /** Trusted CA certificates; the system store when absent. */
  ca?: string | string[];
  /** Client certificate and key, for PD's mutual TLS (`security.cert-allowed-cn`). */
  cert?: string;
  key?: string;
  /** The name to verify the server certificate against, when it differs from the URL's host. */
  serverName?: string;
  /** Default true. */
  rejectUnauthorized?: boolean;
}

export type FetchInit = RequestInit & { tls?: PdTlsOptions };
export type FetchLike = (url: string, init: FetchInit) => Promise<Response>;

export interface RetryPolicy {
  /** Tries in total, the first included. 1 disables retries. */
  attempts: number;
  /** Delay before the second try; doubled for each further one. */
  initialDelayMs: number;
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 3, initialDelayMs: 200, maxDelayMs: 2_000 };

/** tidb-operator's PD client timeout: generous for PD's slow handlers (config, regions) on a busy leader. */
export const DEFAULT_PD_TIMEOUT_MS = 10_000;

export interface PdRequest {
  method: 'GET' | 'POST' | 'DELETE';
  /** Absolute path, `/pd/api/v1/stores`. */
  path: string;
  query?: URLSearchParams;
  /** A JSON text. */
  body?: string;
  /** Whether sending the request twice has the effect of sending it once (reads, and writes PD applies as "set"). */
  idempotent: boolean;
  /** Non-success statuses returned to the caller instead of thrown (404 for "already gone"). */
  accept?: readonly number[];
  /** Cancels the call, between and during attempts; the signal's reason is thrown. */
  signal?: AbortSignal;
}

export interface PdResponse {
  status: number;
  body: string;
}

export interface PdTransportOptions {
  /** PD's client URL as the cluster names it, `http://basic-pd.default.svc:2379`. */
  baseUrl: string;
  resolver: AddressResolver;
  clock: Clock;
  timeoutMs: number;
  retry: RetryPolicy;
  tls?: PdTlsOptions | undefined;
  fetch: FetchLike;
  logger: Logger;
}

// Errors fetch reports when no connection was made (Bun's codes and Node's): the request never left.
const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ConnectionRefused',
  'FailedToOpenSocket',
]);

function connectFailed(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CONNECT_CODES.has(code);
}

class AttemptTimeout extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

export class PdTransport {
  readonly baseUrl: string;

  constructor(private readonly opts: PdTransportOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
  }

  /** The URL as the cluster names it (used in errors and logs). */
  urlOf(req: Pick<PdRequest, 'path' | 'query'>): string {
    const query = req.query?.toString();
    return `${this.baseUrl}${req.path}${query ? `?${query}` : ''}`;
  }

  /**
   * Sends `req`, retrying as its idempotency allows. Resolves with 2xx answers and `accept`ed statuses;
   * rejects with PdApiError (other statuses), PdUnreachableError (no answer), or the signal's reason.
   */
  async send(req: PdRequest): Promise<PdResponse> {
    const { retry, clock, logger } = this.opts;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(req);
      } catch (err) {
        if (req.signal?.aborted) throw req.signal.reason;
        const repeatable = wasNotProcessed(err) || (req.idempotent && isTransient(err));
        if (!repeatable || attempt >= retry.attempts) throw err;
        const delay = Math.min(retry.maxDelayMs, retry.initialDelayMs * 2 ** (attempt - 1));
        logger.debug('PD request failed, retrying', {
          method: req.method,
          url: this.urlOf(req),
          attempt,
          delayMs: delay,
          error: (err as Error).message,
        });
        if (!(await sleep(clock, delay, req.signal))) throw req.signal?.reason;
      }
    }
  }

  private async attempt(req: PdRequest): Promise<PdResponse> {
    const { clock, timeoutMs, resolver, tls } = this.opts;
    const url = this.urlOf(req);
    const controller = new AbortController();
    const onCallerAbort = () => controller.abort(req.signal?.reason);
    if (req.signal?.aborted) throw req.signal.reason;
    req.signal?.addEventListener('abort', onCallerAbort, { once: true });
    const cancelTimer = clock.after(timeoutMs, () => controller.abort(new AttemptTimeout(timeoutMs)));
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (req.body !== undefined) headers['Content-Type'] = 'application/json';
    const init: FetchInit = { method: req.method, headers, signal: controller.signal };
    if (req.body !== undefined) init.body = req.body;
    if (tls) init.tls = tls;
    try {
      const response = await this.opts.fetch(resolver.resolve(url), init);
      // The body is part of the answer: a connection that stalls mid-body times out the same way.
      const body = await response.text();
      if ((response.status >= 200 && response.status < 300) || req.accept?.includes(response.status)) {
        return { status: response.status, body };
      }
      throw new PdApiError(req.method, url, response.status, body);
    } catch (err) {
      if (err instanceof PdApiError) throw err;
      if (req.signal?.aborted) throw req.signal.reason;
      if (controller.signal.reason instanceof AttemptTimeout) {
        throw new PdUnreachableError(req.method, url, 'timeout', controller.signal.reason.message);
      }
      throw new PdUnreachableError(req.method, url, connectFailed(err) ? 'connect' : 'network', err);
    } finally {
      cancelTimer();
      req.signal?.removeEventListener('abort', onCallerAbort);
    }
  }
}
