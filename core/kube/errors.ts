// Errors from the apiserver as one class. The apiserver answers every failure with a `Status` object whose
// `reason` says what happened (NotFound, Conflict, AlreadyExists, Invalid, Expired, ...); callers branch on
// the reason through the `is*` predicates, never on message text.

/** One failing field of an Invalid (422) answer. */
export interface StatusCause {
  field?: string;
  message?: string;
  reason?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** `code` is the HTTP status; 0 means the request never got an answer (connection, TLS or DNS failure). */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  readonly code: number;
  readonly reason: string;
  readonly details?: StatusDetails;

  constructor(init: { code: number; reason: string; message: string; details?: StatusDetails; cause?: unknown }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.reason = init.reason;
    if (init.details) this.details = init.details;
  }
}

/** The reason client-go assumes when a body carries none (for example a proxy's plain-text error page). */
const reasonForCode: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Expired',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

export const TRANSPORT_ERROR_REASON = 'TransportError';

interface StatusLike {
  kind?: unknown;
  code?: unknown;
  reason?: unknown;
  message?: unknown;
  details?: unknown;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseDetails(raw: unknown): StatusDetails | undefined {
  if (!isRecord(raw)) return undefined;
  const details: StatusDetails = {};
  for (const key of ['name', 'group', 'kind', 'uid'] as const) {
    const v = raw[key];
    if (typeof v === 'string') details[key] = v;
  }
  if (typeof raw.retryAfterSeconds === 'number') details.retryAfterSeconds = raw.retryAfterSeconds;
  if (Array.isArray(raw.causes)) {
    details.causes = raw.causes.filter(isRecord).map((c) => {
      const cause: StatusCause = {};
      if (typeof c.field === 'string') cause.field = c.field;
      if (typeof c.message === 'string') cause.message = c.message;
      if (typeof c.reason === 'string') cause.reason = c.reason;
      return cause;
    });
  }
  return details;
}

/**
 * Appends the failing fields when the Status message does not already name them, so that an Invalid error
 * always reads like `spec.replicas: Invalid value: -1: must be >= 0`.
 */
function messageWithCauses(message: string, causes: StatusCause[] | undefined): string {
  const missing = (causes ?? [])
    .filter((c) => c.message && !(c.field ? message.includes(c.field) : message.includes(c.message)))
    .map((c) => (c.field ? `${c.field}: ${c.message}` : `${c.message}`));
  if (missing.length === 0) return message;
  return message ? `${message}: ${missing.join('; ')}` : missing.join('; ');
}

/** Builds the error from a decoded `Status` object (an HTTP error body or the object of a watch ERROR event). */
export function kubeApiErrorFromStatus(status: unknown, httpCode?: number): KubeApiError {
  const s: StatusLike = isRecord(status) ? status : {};
  const code = typeof s.code === 'number' && s.code > 0 ? s.code : (httpCode ?? 500);
  const reason = typeof s.reason === 'string' && s.reason !== '' ? s.reason : (reasonForCode[code] ?? 'Unknown');
  const details = parseDetails(s.details);
  const base = typeof s.message === 'string' && s.message !== '' ? s.message : `${reason} (HTTP ${code})`;
  return new KubeApiError({ code, reason, message: messageWithCauses(base, details?.causes), details });
}

/** Builds the error from an HTTP status and the raw response body, which may or may not be a JSON Status. */
export function kubeApiErrorFromResponse(httpCode: number, body: string, context?: string): KubeApiError {
  let decoded: unknown;
  try {
    decoded = JSON.parse(body);
  } catch {
    decoded = undefined;
  }
  if (isRecord(decoded) && decoded.kind === 'Status') return kubeApiErrorFromStatus(decoded, httpCode);
  const reason = reasonForCode[httpCode] ?? 'Unknown';
  const text = body.trim().slice(0, 300);
  const where = context ? `${context}: ` : '';
  return new KubeApiError({
    code: httpCode,
    reason,
    message: `${where}${reason} (HTTP ${httpCode})${text ? `: ${text}` : ''}`,
  });
}

/** A request that got no HTTP answer: names the request and the low-level cause (for example a TLS error code). */
export function kubeTransportError(request: string, cause: unknown): KubeApiError {
  const err = cause instanceof Error ? cause : new Error(String(cause));
  const code = (err as { code?: unknown }).code;
  const suffix = typeof code === 'string' && !err.message.includes(code) ? ` (${code})` : '';
  return new KubeApiError({
    code: 0,
    reason: TRANSPORT_ERROR_REASON,
    message: `${request} failed: ${err.message}${suffix}`,
    cause,
  });
}

/**
 * Converts whatever a client-node call threw. client-node 1.4 throws `ApiException` with `.code` and `.body`
 * holding the raw Status JSON string; anything without an HTTP code is a transport failure.
 */
export function toKubeApiError(err: unknown, request = 'kubernetes request'): KubeApiError {
  if (err instanceof KubeApiError) return err;
  if (isRecord(err) || err instanceof Error) {
    const e = err as { code?: unknown; body?: unknown };
    if (typeof e.code === 'number' && e.code >= 100) {
      if (typeof e.body === 'string') return kubeApiErrorFromResponse(e.code, e.body, request);
      if (isRecord(e.body)) return kubeApiErrorFromStatus(e.body, e.code);
      return kubeApiErrorFromResponse(e.code, '', request);
    }
  }
  return kubeTransportError(request, err);
}

// A Status without a reason got the one its HTTP code implies when it was parsed, so the reason alone decides.
function reasonIs(err: unknown, reason: string): boolean {
  return err instanceof KubeApiError && err.reason === reason;
}

export function isNotFound(err: unknown): boolean {
  return reasonIs(err, 'NotFound');
}

/** 409 because the object changed (resourceVersion or precondition mismatch); not AlreadyExists. */
export function isConflict(err: unknown): boolean {
  return reasonIs(err, 'Conflict');
}

export function isAlreadyExists(err: unknown): boolean {
  return reasonIs(err, 'AlreadyExists');
}

/** 410: a resourceVersion or continue token is older than what etcd still keeps (reason Expired or Gone). */
export function isGone(err: unknown): boolean {
  return err instanceof KubeApiError && (err.code === 410 || err.reason === 'Expired' || err.reason === 'Gone');
}

export function isInvalid(err: unknown): boolean {
  return reasonIs(err, 'Invalid');
}

export function isForbidden(err: unknown): boolean {
  return reasonIs(err, 'Forbidden');
}

export function isTransportError(err: unknown): boolean {
  return err instanceof KubeApiError && err.reason === TRANSPORT_ERROR_REASON;
}
