// Typed failures of PD HTTP calls. PD answers errors with a JSON string body whose text starts with a
// normalized code ("[PD:core:ErrStoreNotFound]store 9 not found", pkg/errs/errno.go) or, for some handlers, a
// plain sentence ("not found, pd: NAME"). Callers decide on status and code, never on free text, through the
// predicates below; the code is parsed once here.

/** A PD answer with a non-success status. */
export class PdApiError extends Error {
  /** PD's error text (the JSON string body decoded), or the raw body when it was not JSON. */
  readonly body: string;
  /** The normalized error code (`ErrStoreNotFound`), when the text carries one. */
  readonly code: string | undefined;

  constructor(
    readonly method: string,
    /** The URL as the caller named it (before the resolver), so messages show the cluster's PD address. */
    readonly url: string,
    readonly status: number,
    body: string,
  ) {
    const text = errorText(body);
    super(`PD ${method} ${url}: ${status} ${text || '(empty body)'}`);
    this.name = 'PdApiError';
    this.body = text;
    this.code = errorCode(text);
  }
}

/** Why no HTTP answer arrived. */
export type UnreachableReason = 'connect' | 'timeout' | 'network';

/**
 * No HTTP answer: connection refused or DNS failure (`connect`: the request was not sent), no answer within
 * the timeout (`timeout`), or the connection broke after sending (`network`). Only `connect` proves that PD
 * did not act on the request.
 */
export class PdUnreachableError extends Error {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly reason: UnreachableReason,
    cause: unknown,
  ) {
    const detail = reason === 'timeout' ? String(cause) : cause instanceof Error ? cause.message : String(cause);
    super(`PD ${method} ${url}: ${reason === 'timeout' ? 'no answer' : 'unreachable'}: ${detail}`, { cause });
    this.name = 'PdUnreachableError';
  }
}

/** A success status with a body that is not what PD sends for this endpoint (wrong JSON, missing fields). */
export class PdResponseError extends Error {
  constructor(
    readonly method: string,
    readonly url: string,
    problem: string,
  ) {
    super(`PD ${method} ${url}: unexpected response: ${problem}`);
    this.name = 'PdResponseError';
  }
}

export type PdClientError = PdApiError | PdUnreachableError | PdResponseError;

function errorText(body: string): string {
  const trimmed = body.trim();
  if (trimmed.startsWith('"')) {
    try {
      const decoded: unknown = JSON.parse(trimmed);
      if (typeof decoded === 'string') return decoded;
    } catch {
      // not a JSON string: keep the raw text
    }
  }
  return trimmed;
}

const CODE_PATTERN = /^\[PD:[^:\]]+:(\w+)\]/;

function errorCode(text: string): string | undefined {
  return CODE_PATTERN.exec(text)?.[1];
}

const apiError = (e: unknown): PdApiError | undefined => (e instanceof PdApiError ? e : undefined);

/** 404: the store, member or scheduler does not exist (or the route does not, on an older PD). */
export const isNotFound = (e: unknown): boolean => apiError(e)?.status === 404;

/** 410: the store was already removed (Tombstone); deleting it again is done. */
export const isGone = (e: unknown): boolean => apiError(e)?.status === 410;

/** ErrNotBootstrapped: no TiKV has started yet, so PD has no cluster data (no stores, no regions). */
export const isNotBootstrapped = (e: unknown): boolean => apiError(e)?.code === 'ErrNotBootstrapped';

/** ErrStoresNotEnough: removing the store would leave fewer Up stores than max-replicas. */
export const isTooFewStores = (e: unknown): boolean => apiError(e)?.code === 'ErrStoresNotEnough';

/** ErrNoStoreForRegionLeader: every other Up store is evicting leaders, nowhere to move them. */
export const isNoStoreForLeader = (e: unknown): boolean => apiError(e)?.code === 'ErrNoStoreForRegionLeader';

/** ErrRedirectNoLeader: the PD members have no leader (election, or quorum lost); nothing was done. */
export const isNoLeader = (e: unknown): boolean => apiError(e)?.code === 'ErrRedirectNoLeader';

/** ErrSchedulerExisted: the scheduler is already there. */
export const isSchedulerExisted = (e: unknown): boolean => apiError(e)?.code === 'ErrSchedulerExisted';

/** No HTTP answer at all (connection refused, DNS, timeout, broken connection). */
export const isUnreachable = (e: unknown): boolean => e instanceof PdUnreachableError;

export const isTimeout = (e: unknown): boolean => e instanceof PdUnreachableError && e.reason === 'timeout';

/**
 * PD certainly did not act on the request, so even a non-idempotent write may be sent again: it was never
 * sent (connect), nobody served it (503 from a proxy or the simulator's "no member serving"), or PD had no
 * leader to forward it to.
 */
export function wasNotProcessed(e: unknown): boolean {
  if (e instanceof PdUnreachableError) return e.reason === 'connect';
  const api = apiError(e);
  return api !== undefined && (api.status === 503 || api.code === 'ErrRedirectNoLeader');
}

/**
 * Worth another try for a request that is safe to repeat: everything transient (no answer, gateway errors,
 * no leader). Definitive answers (4xx, ErrNotBootstrapped and PD's other 500s) are not retried.
 */
export function isTransient(e: unknown): boolean {
  if (e instanceof PdUnreachableError) return true;
  const api = apiError(e);
  if (!api) return false;
  return api.status === 502 || api.status === 503 || api.status === 504 || api.code === 'ErrRedirectNoLeader';
}
