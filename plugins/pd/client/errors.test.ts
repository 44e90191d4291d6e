import { describe, expect, test } from 'bun:test';
import {
  isGone,
  isNoLeader,
  isNotBootstrapped,
  isNotFound,
  isSchedulerExisted,
  isTimeout,
  isTooFewStores,
  isTransient,
  isUnreachable,
  PdApiError,
  PdUnreachableError,
  wasNotProcessed,
} from './errors.ts';

const api = (status: number, body: string) => new PdApiError('GET', 'http://pd/x', status, body);

describe('PdApiError', () => {
  test('decodes PD JSON string bodies and parses the normalized code', () => {
    const e = api(500, '"[PD:cluster:ErrNotBootstrapped]TiKV cluster not bootstrapped, please start TiKV first"\n');
    expect(e.body).toBe('[PD:cluster:ErrNotBootstrapped]TiKV cluster not bootstrapped, please start TiKV first');
    expect(e.code).toBe('ErrNotBootstrapped');
    expect(e.message).toContain('500 [PD:cluster:ErrNotBootstrapped]');
    expect(isNotBootstrapped(e)).toBe(true);
  });

  test('keeps plain-text bodies and has no code for unnormalized PD errors', () => {
    const plain = api(404, '404 page not found\n');
    expect(plain.body).toBe('404 page not found');
    expect(plain.code).toBeUndefined();
    const sentence = api(404, '"not found, pd: nobody"');
    expect(sentence.body).toBe('not found, pd: nobody');
    expect(sentence.code).toBeUndefined();
  });

  test('predicates decide on status and code', () => {
    expect(isNotFound(api(404, '"[PD:core:ErrStoreNotFound]store 9 not found"'))).toBe(true);
    expect(isGone(api(410, '"[PD:core:ErrStoreRemoved]store 5 has been removed"'))).toBe(true);
    expect(
      isTooFewStores(
        api(400, '"[PD:core:ErrStoresNotEnough]can not remove store 1 since the number of up stores would be 2"'),
      ),
    ).toBe(true);
    expect(isNoLeader(api(500, '"[PD:apiutil:ErrRedirectNoLeader]redirect finds no leader"'))).toBe(true);
    expect(isSchedulerExisted(api(500, '"[PD:scheduler:ErrSchedulerExisted]scheduler existed"'))).toBe(true);
    expect(isNotFound(api(500, '"x"'))).toBe(false);
    expect(isNotFound(new Error('404'))).toBe(false);
    expect(isNotBootstrapped(api(500, '"[PD:core:ErrStoreNotFound]store 9 not found"'))).toBe(false);
  });
});

describe('retry classification', () => {
  const connect = new PdUnreachableError('POST', 'http://pd/x', 'connect', new Error('ECONNREFUSED'));
  const timeout = new PdUnreachableError('POST', 'http://pd/x', 'timeout', 'no answer within 10000 ms');
  const reset = new PdUnreachableError('POST', 'http://pd/x', 'network', new Error('socket closed'));

  test('only failures where PD surely did nothing allow repeating a write', () => {
    expect(wasNotProcessed(connect)).toBe(true);
    expect(wasNotProcessed(api(503, 'no PD member is serving'))).toBe(true);
    expect(wasNotProcessed(api(500, '"[PD:apiutil:ErrRedirectNoLeader]redirect finds no leader"'))).toBe(true);
    expect(wasNotProcessed(timeout)).toBe(false);
    expect(wasNotProcessed(reset)).toBe(false);
    expect(wasNotProcessed(api(500, '"[PD:etcd:ErrEtcdMoveLeader]etcd move leader error"'))).toBe(false);
  });

  test('transient failures are the ones worth repeating an idempotent request for', () => {
    for (const e of [connect, timeout, reset, api(502, ''), api(503, ''), api(504, '')]) {
      expect(isTransient(e)).toBe(true);
    }
    for (const e of [
      api(400, '"bad"'),
      api(404, '"x"'),
      api(500, '"[PD:cluster:ErrNotBootstrapped]TiKV cluster not bootstrapped"'),
    ]) {
      expect(isTransient(e)).toBe(false);
    }
  });

  test('unreachable and timeout predicates', () => {
    expect(isUnreachable(connect)).toBe(true);
    expect(isTimeout(connect)).toBe(false);
    expect(isTimeout(timeout)).toBe(true);
    expect(isUnreachable(api(503, ''))).toBe(false);
  });
});
