// The Deno smoke test: the core's HTTP app, metrics, platform adapter and kubeconfig loader, run under Deno
// with minimal permissions by hack/deno-smoke.ts. Written with node:test (bun:test does not exist in Deno);
// the `.deno.ts` name keeps `bun test` from picking it up.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadKubeConfig } from '../kube/config.ts';
import { OperatorMetrics } from '../observability/metrics.ts';
import { env, isBun, isDeno, serve } from '../platform/runtime.ts';
import { createHttpApp, noBenchResultsMessage } from './app.ts';
import { decideReadiness, type ReadinessState } from './readiness.ts';

/** A scratch directory the runner created and granted read/write on. */
function scratchDir(): string {
  const dir = env('TIKV_DENO_SMOKE_DIR');
  assert.ok(dir, 'TIKV_DENO_SMOKE_DIR is not set: run this file through `bun run test:deno`');
  return dir;
}

function smokeApp() {
  const state: ReadinessState = {
    shuttingDown: false,
    cachesSynced: false,
    role: 'election-disabled',
    controllersRunning: false,
  };
  const metrics = new OperatorMetrics();
  const benchResultsPath = join(scratchDir(), 'bench', 'latest.json');
  const app = createHttpApp({ readiness: () => decideReadiness(state), metrics, benchResultsPath });
  return { app, state, metrics, benchResultsPath };
}

test('runs on Deno, not Bun', () => {
  assert.equal(isDeno, true);
  assert.equal(isBun, false);
});

test('/healthz answers 200 ok', async () => {
  const res = await smokeApp().app.request('/healthz');
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'ok');
});

test('/readyz answers 503 with the reason until caches are synced and controllers run', async () => {
  const { app, state } = smokeApp();
  const before = await app.request('/readyz');
  assert.equal(before.status, 503);
  assert.equal(await before.text(), 'caches not synced yet');
  state.cachesSynced = true;
  state.controllersRunning = true;
  const after = await app.request('/readyz');
  assert.equal(after.status, 200);
  assert.equal(await after.text(), 'ok');
});

test('/metrics serves default process metrics and operator metrics', async () => {
  const { app, metrics } = smokeApp();
  metrics.queueObserver('tikv').added();
  const res = await app.request('/metrics');
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), metrics.contentType);
  const text = await res.text();
  assert.match(text, /^workqueue_adds_total\{name="tikv"\} 1$/m);
  assert.match(text, /^process_cpu_seconds_total /m);
});

test('/bench answers 404 without results and serves the file once written', async () => {
  const { app, benchResultsPath } = smokeApp();
  const missing = await app.request('/bench');
  assert.equal(missing.status, 404);
  assert.deepEqual(await missing.json(), { error: noBenchResultsMessage, path: benchResultsPath });
  mkdirSync(join(benchResultsPath, '..'), { recursive: true });
  writeFileSync(benchResultsPath, JSON.stringify({ scenarios: [{ name: 'deno', seconds: 1 }] }));
  const found = await app.request('/bench');
  assert.equal(found.status, 200);
  assert.deepEqual(await found.json(), { scenarios: [{ name: 'deno', seconds: 1 }] });
});

test('the platform adapter serves the app on a loopback port through Deno.serve', async () => {
  const { app } = smokeApp();
  const server = serve({ hostname: '127.0.0.1', port: 0, fetch: app.fetch });
  try {
    assert.ok(server.port > 0);
    const res = await fetch(new URL('/healthz', server.url));
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'ok');
  } finally {
    await server.stop();
  }
});

test('loads a kubeconfig from a file', () => {
  const path = join(scratchDir(), 'kubeconfig');
  writeFileSync(
    path,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: smoke',
      '  cluster:',
      '    server: https://127.0.0.1:6443',
      'users:',
      '- name: admin',
      '  user:',
      '    token: smoke-token',
      'contexts:',
      '- name: smoke',
      '  context:',
      '    cluster: smoke',
      '    user: admin',
      '    namespace: tikv',
      'current-context: smoke',
      '',
    ].join('\n'),
  );
  const loaded = loadKubeConfig({ path });
  assert.equal(loaded.source, 'path');
  assert.equal(loaded.server, 'https://127.0.0.1:6443');
  assert.equal(loaded.namespace, 'tikv');
  assert.equal(loaded.kubeConfig.getCurrentUser()?.token, 'smoke-token');
});
