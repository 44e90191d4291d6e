import { describe, expect, test } from 'bun:test';
import { parseDenoSummary } from './deno-smoke.ts';

describe('Deno summary parsing', () => {
  test('reads passed and failed counts from a passing run', () => {
    expect(parseDenoSummary('running 7 tests\nx ... ok (1ms)\n\nok | 7 passed | 0 failed (82ms)\n')).toEqual({
      pass: 7,
      fail: 0,
    });
  });

  test('reads a failing run with steps and colour codes', () => {
    const output = '\x1b[0m\x1b[31mFAILED\x1b[0m | 5 passed (3 steps) | 2 failed \x1b[0m\x1b[38;5;245m(90ms)\x1b[0m';
    expect(parseDenoSummary(output)).toEqual({ pass: 5, fail: 2 });
  });

  test('reports no summary when deno stopped before running tests', () => {
    expect(parseDenoSummary('error: TS2322 [ERROR]: Type string is not assignable to type number')).toBeUndefined();
  });
});
