import { describe, expect, test } from 'bun:test';
import { kubeApiErrorFromResponse, kubeTransportError } from '../../../core/kube/errors.ts';
import { type LegacyApiState, legacyApiStateMessage, legacyApiStateOf } from './tikv-clusters.ts';

describe('whether TikvClusters are served', () => {
  test.each<[string, LegacyApiState, unknown]>([
    ['a LIST that worked', 'served', undefined],
    // What kube-apiserver answers for a resource it does not know: a plain-text 404, no Status.
    ['404 page not found (no CRD)', 'notInstalled', kubeApiErrorFromResponse(404, '404 page not found')],
    [
      '403 (no RBAC)',
      'forbidden',
      kubeApiErrorFromResponse(
        403,
        JSON.stringify({
          kind: 'Status',
          code: 403,
          reason: 'Forbidden',
          message: 'tikvclusters.tikv.org is forbidden',
        }),
      ),
    ],
    ['500', 'failing', kubeApiErrorFromResponse(500, 'etcdserver: request timed out')],
    ['a refused connection', 'failing', kubeTransportError('GET /apis/tikv.org', new Error('ECONNREFUSED'))],
  ])('%s: %s', (_name, state, error) => {
    expect(legacyApiStateOf(error)).toBe(state);
  });

  test('each state that serves nothing says what to do, as an error', () => {
    expect(legacyApiStateMessage('notInstalled', 30_000)).toEqual({
      level: 'error',
      message:
        'feature gate LegacyTikvClusterAPI is on, but the TikvCluster CRD (tikvclusters.tikv.org) is not installed: TikvClusters are not served until it is (kubectl apply --server-side -f crds/legacy/tikv.org_tikvclusters.yaml); checking again every 30s',
    });
    expect(legacyApiStateMessage('forbidden', 30_000)).toEqual({
      level: 'error',
      message:
        'feature gate LegacyTikvClusterAPI is on, but the operator may not list tikvclusters.tikv.org: grant it deploy/legacy-api/ (kubectl apply -k deploy/legacy-api/); checking again every 30s',
    });
    expect(legacyApiStateMessage('failing', 5_000).level).toBe('warn');
    expect(legacyApiStateMessage('served', 5_000).level).toBe('info');
  });
});
