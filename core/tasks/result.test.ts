import { describe, expect, test } from 'bun:test';
import { combineResults, complete, fail, retry, wait } from './result.ts';

describe('task results', () => {
  test('fail wraps a thrown string in an Error', () => {
    const r = fail('PD unreachable');
    expect(r.kind).toBe('fail');
    if (r.kind === 'fail') {
      expect(r.error).toBeInstanceOf(Error);
      expect(r.message).toBe('PD unreachable');
    }
  });

  test('retry refuses a delay that is not positive', () => {
    expect(() => retry(0)).toThrow('positive delay');
    expect(() => retry(Number.NaN)).toThrow('positive delay');
  });

  test('combining picks fail over retry over wait over complete', () => {
    expect(combineResults([]).kind).toBe('complete');
    expect(combineResults([complete(), wait('pod not ready')])).toEqual(wait('pod not ready'));
    expect(combineResults([wait(), retry(1000), complete()]).kind).toBe('retry');
    const failure = fail(new Error('boom'));
    expect(combineResults([retry(5), failure, wait()])).toBe(failure);
  });

  test('combining retries keeps the earliest delay', () => {
    expect(combineResults([retry(5000, 'slow'), retry(1000, 'soon'), retry(3000)])).toEqual(retry(1000, 'soon'));
  });

  test('combining keeps the first of two failures', () => {
    const first = fail('first');
    expect(combineResults([first, fail('second')])).toBe(first);
  });
});
