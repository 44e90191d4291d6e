import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../observability/log.ts';
import { OperatorMetrics } from '../observability/metrics.ts';
import { createHttpApp, type HttpAppDeps, noBenchResultsMessage } from './app.ts';
import type { Readiness } from './readiness.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'http-app-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function app(overrides: Partial<HttpAppDeps> = {}) {
  const metrics = new OperatorMetrics({ defaultMetrics: false });
  const deps: HttpAppDeps = {
    readiness: () => ({ ready: true, reason: 'ok' }),
    metrics,
    benchResultsPath: join(dir, 'missing', 'latest.json'),
    ...overrides,
  };
  return { app: createHttpApp(deps), metrics };
}

describe('/healthz', () => {
  test('answers 200 ok while the process responds', async () => {
    const res = await app().app.request('/healthz');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok');
  });

  test('answers 503 with the reason when a liveness check fails', async () => {
    const res = await app({ liveness: () => ({ ready: false, reason: 'watch loop stalled' }) }).app.request('/healthz');
    expect(res.status).toBe(503);
    expect(await res.text()).toBe('watch loop stalled');
  });
});

describe('/readyz', () => {
  test('answers 200 with the reason when the readiness function says ready', async () => {
    const res = await app({ readiness: async () => ({ ready: true, reason: 'ok (leading)' }) }).app.request('/readyz');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok (leading)');
  });

  test('answers 503 with the short plain-text reason otherwise, and follows changes', async () => {
    let state: Readiness = { ready: false, reason: 'caches not synced yet' };
    const { app: http } = app({ readiness: () => state });
    const res = await http.request('/readyz');
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toStartWith('text/plain');
    expect(await res.text()).toBe('caches not synced yet');
    state = { ready: true, reason: 'ok' };
    expect((await http.request('/readyz')).status).toBe(200);
  });

  test('a failing readiness function is a 500, not a crash', async () => {
    const lines: string[] = [];
    const res = await app({
      readiness: () => {
        throw new Error('manager gone');
      },
      logger: createLogger({ sink: (line) => lines.push(line) }),
    }).app.request('/readyz');
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('internal error: manager gone');
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ level: 'error', path: '/readyz', component: 'http' });
  });
});

describe('/metrics', () => {
  test('serves the registry exposition with the Prometheus content type', async () => {
    const { app: http, metrics } = app();
    metrics.reconcileObserver('pd').reconciled('success', 0.1);
    const res = await http.request('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(metrics.contentType);
    expect(await res.text()).toContain('tikv_operator_reconcile_total{controller="pd",result="success"} 1');
  });
});

describe('/bench', () => {
  test('answers 404 with a JSON hint when there are no results yet', async () => {
    const res = await app().app.request('/bench');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toStartWith('application/json');
    expect(await res.json()).toEqual({ error: noBenchResultsMessage, path: join(dir, 'missing', 'latest.json') });
  });

  test('serves the results file, read again on every request', async () => {
    const path = join(dir, 'latest.json');
    const { app: http } = app({ benchResultsPath: path });
    await writeFile(path, JSON.stringify({ scenarios: [{ name: 'create 3+3', seconds: 12.5 }] }));
    const first = await http.request('/bench');
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toStartWith('application/json');
    expect(await first.json()).toEqual({ scenarios: [{ name: 'create 3+3', seconds: 12.5 }] });

    await writeFile(path, JSON.stringify({ scenarios: [] }));
    expect(await (await http.request('/bench')).json()).toEqual({ scenarios: [] });
  });

  test('answers 500 with a JSON error when the file is not valid JSON', async () => {
    const path = join(dir, 'broken.json');
    await writeFile(path, '{"scenarios": [');
    const res = await app({ benchResultsPath: path }).app.request('/bench');
    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: string };
    expect(body.error).toStartWith(`bench results at ${path} are not valid JSON`);
  });
});

test('unknown paths are 404', async () => {
  expect((await app().app.request('/nope')).status).toBe(404);
});
