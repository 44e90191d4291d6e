import { describe, expect, test } from 'bun:test';
import { decideReadiness, type ReadinessState } from './readiness.ts';

const base: ReadinessState = {
  shuttingDown: false,
  cachesSynced: true,
  role: 'election-disabled',
  controllersRunning: true,
};

describe('readiness decision', () => {
  const rows: [string, Partial<ReadinessState>, boolean, string][] = [
    ['without election, synced and running', {}, true, 'ok'],
    ['without election, controllers not started', { controllersRunning: false }, false, 'controllers not started yet'],
    ['caches not synced', { cachesSynced: false }, false, 'caches not synced yet'],
    ['leader with controllers running', { role: 'leading' }, true, 'ok (leading)'],
    [
      'leader whose controllers are starting',
      { role: 'leading', controllersRunning: false },
      false,
      'leading, controllers not started yet',
    ],
    [
      'synced standby (no controllers)',
      { role: 'standby', controllersRunning: false },
      true,
      'ok (standby: caches synced, not leading)',
    ],
    [
      'standby still syncing',
      { role: 'standby', controllersRunning: false, cachesSynced: false },
      false,
      'caches not synced yet',
    ],
    ['leader shutting down', { role: 'leading', shuttingDown: true }, false, 'shutting down'],
    ['standby shutting down', { role: 'standby', shuttingDown: true }, false, 'shutting down'],
  ];
  for (const [name, change, ready, reason] of rows) {
    test(`${name}: ${ready ? 'ready' : 'not ready'}`, () => {
      expect(decideReadiness({ ...base, ...change })).toEqual({ ready, reason });
    });
  }
});
