import { describe, expect, test } from 'bun:test';
import { ApiException } from '@kubernetes/client-node';
import {
  isAlreadyExists,
  isConflict,
  isForbidden,
  isGone,
  isInvalid,
  isNotFound,
  isTransportError,
  KubeApiError,
  kubeApiErrorFromResponse,
  kubeApiErrorFromStatus,
  kubeTransportError,
  toKubeApiError,
} from './errors.ts';

// Status bodies as kube-apiserver 1.3x sends them.
const notFound = JSON.stringify({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message: 'pods "nope" not found',
  reason: 'NotFound',
  details: { name: 'nope', kind: 'pods' },
  code: 404,
});
const conflict = JSON.stringify({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message:
    'Operation cannot be fulfilled on configmaps "cm": the object has been modified; please apply your changes to the latest version and try again',
  reason: 'Conflict',
  details: { name: 'cm', kind: 'configmaps' },
  code: 409,
});
const alreadyExists = JSON.stringify({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message: 'configmaps "cm" already exists',
  reason: 'AlreadyExists',
  details: { name: 'cm', kind: 'configmaps' },
  code: 409,
});
const invalid = JSON.stringify({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message:
    'TiKVGroup.core.tikv.org "basic" is invalid: spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0',
  reason: 'Invalid',
  details: {
    name: 'basic',
    group: 'core.tikv.org',
    kind: 'TiKVGroup',
    causes: [
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: -1: spec.replicas in body should be greater than or equal to 0',
        field: 'spec.replicas',
      },
    ],
  },
  code: 422,
});
const expiredWatchEvent = {
  type: 'ERROR',
  object: {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'too old resource version: 100 (2000)',
    reason: 'Expired',
    code: 410,
  },
};
const expiredContinue = JSON.stringify({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: { continue: 'eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ' },
  status: 'Failure',
  message: 'The provided continue parameter is too old to display a consistent list result.',
  reason: 'Expired',
  code: 410,
});
const forbidden = JSON.stringify({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message:
    'pods is forbidden: User "system:serviceaccount:default:x" cannot list resource "pods" in API group "" in the namespace "kube-system"',
  reason: 'Forbidden',
  details: { kind: 'pods' },
  code: 403,
});

describe('KubeApiError from a Status body', () => {
  test('404 NotFound keeps the message, reason and details', () => {
    const err = kubeApiErrorFromResponse(404, notFound);
    expect(err).toBeInstanceOf(KubeApiError);
    expect(err.code).toBe(404);
    expect(err.reason).toBe('NotFound');
    expect(err.message).toBe('pods "nope" not found');
    expect(err.details).toEqual({ name: 'nope', kind: 'pods' });
    expect(isNotFound(err)).toBe(true);
    expect(isConflict(err)).toBe(false);
  });

  test('409 Conflict and 409 AlreadyExists are told apart by reason', () => {
    const c = kubeApiErrorFromResponse(409, conflict);
    const a = kubeApiErrorFromResponse(409, alreadyExists);
    expect(isConflict(c)).toBe(true);
    expect(isAlreadyExists(c)).toBe(false);
    expect(isAlreadyExists(a)).toBe(true);
    expect(isConflict(a)).toBe(false);
    expect(a.message).toBe('configmaps "cm" already exists');
  });

  test('422 Invalid exposes the causes and its message names the failing field', () => {
    const err = kubeApiErrorFromResponse(422, invalid);
    expect(isInvalid(err)).toBe(true);
    expect(err.details?.causes).toEqual([
      {
        field: 'spec.replicas',
        reason: 'FieldValueInvalid',
        message: 'Invalid value: -1: spec.replicas in body should be greater than or equal to 0',
      },
    ]);
    expect(err.message).toContain('spec.replicas: Invalid value: -1');
  });

  test('an Invalid Status whose message omits the fields gets them appended from the causes', () => {
    const err = kubeApiErrorFromStatus({
      kind: 'Status',
      code: 422,
      reason: 'Invalid',
      message: 'PDGroup.core.tikv.org "pd" is invalid',
      details: {
        causes: [
          { field: 'spec.replicas', message: 'Invalid value: -1: must be >= 0', reason: 'FieldValueInvalid' },
          { field: 'spec.version', message: 'Required value', reason: 'FieldValueRequired' },
        ],
      },
    });
    expect(err.message).toBe(
      'PDGroup.core.tikv.org "pd" is invalid: spec.replicas: Invalid value: -1: must be >= 0; spec.version: Required value',
    );
  });

  test('410 Expired from a watch ERROR event and from a list continue token are Gone', () => {
    const fromEvent = kubeApiErrorFromStatus(expiredWatchEvent.object);
    expect(fromEvent.code).toBe(410);
    expect(isGone(fromEvent)).toBe(true);
    expect(fromEvent.message).toBe('too old resource version: 100 (2000)');
    const fromList = kubeApiErrorFromResponse(410, expiredContinue);
    expect(isGone(fromList)).toBe(true);
    expect(isNotFound(fromList)).toBe(false);
  });

  test('403 Forbidden', () => {
    const err = kubeApiErrorFromResponse(403, forbidden);
    expect(isForbidden(err)).toBe(true);
    expect(err.message).toContain('cannot list resource "pods"');
  });

  test('a non-JSON body is classified by its HTTP code and quoted in the message', () => {
    const err = kubeApiErrorFromResponse(503, '<html>upstream unavailable</html>', 'GET /api/v1/pods');
    expect(err.code).toBe(503);
    expect(err.reason).toBe('ServiceUnavailable');
    expect(err.message).toBe('GET /api/v1/pods: ServiceUnavailable (HTTP 503): <html>upstream unavailable</html>');
    expect(isNotFound(kubeApiErrorFromResponse(404, '404 page not found'))).toBe(true);
  });

  test('a Status without a reason takes the reason its code implies', () => {
    const err = kubeApiErrorFromStatus({ kind: 'Status', code: 409, message: 'x' });
    expect(err.reason).toBe('Conflict');
    expect(isConflict(err)).toBe(true);
  });
});

describe('converting what client-node throws', () => {
  test('ApiException with a raw JSON string body becomes a KubeApiError with the Status message', () => {
    const thrown = new ApiException(409, 'Unknown API Status Code!', conflict, {});
    const err = toKubeApiError(thrown);
    expect(isConflict(err)).toBe(true);
    expect(err.message).toStartWith('Operation cannot be fulfilled on configmaps "cm"');
  });

  test('a network error becomes a TransportError with code 0 naming the request and the cause', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const err = toKubeApiError(cause, 'GET https://127.0.0.1:1/api/v1/pods');
    expect(err.code).toBe(0);
    expect(isTransportError(err)).toBe(true);
    expect(isNotFound(err)).toBe(false);
    expect(err.message).toBe('GET https://127.0.0.1:1/api/v1/pods failed: connect ECONNREFUSED 127.0.0.1:1');
    expect(err.cause).toBe(cause);
  });

  test('a TLS error code missing from the message is appended', () => {
    const cause = Object.assign(new Error('self signed certificate in certificate chain'), {
      code: 'SELF_SIGNED_CERT_IN_CHAIN',
    });
    expect(kubeTransportError('GET https://x/api', cause).message).toBe(
      'GET https://x/api failed: self signed certificate in certificate chain (SELF_SIGNED_CERT_IN_CHAIN)',
    );
  });

  test('a KubeApiError passes through unchanged; predicates reject foreign errors', () => {
    const err = kubeApiErrorFromResponse(404, notFound);
    expect(toKubeApiError(err)).toBe(err);
    expect(isNotFound(new Error('pods "nope" not found'))).toBe(false);
    expect(isGone({ code: 410 })).toBe(false);
  });
});
