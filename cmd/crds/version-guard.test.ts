import { describe, expect, test } from 'bun:test';
import { classifyCrdChange, compareSemver, needsForce, parseSemver, refusalMessage } from './version-guard.ts';

function order(a: string, b: string): number {
  const pa = parseSemver(a);
  const pb = parseSemver(b);
  if (!pa || !pb) throw new Error(`not a version: ${a} or ${b}`);
  return compareSemver(pa, pb);
}

describe('semantic version precedence', () => {
  test.each([
    ['0.1.0', '0.1.0', 0],
    ['0.1.0', '0.2.0', -1],
    ['0.10.0', '0.9.0', 1],
    ['1.0.0', '0.99.99', 1],
    ['1.2.3', '1.2.4', -1],
    ['v1.2.3', '1.2.3', 0],
    ['1.0.0-rc.1', '1.0.0', -1],
    ['1.0.0-alpha', '1.0.0-alpha.1', -1],
    ['1.0.0-alpha.1', '1.0.0-alpha.beta', -1],
    ['1.0.0-beta.2', '1.0.0-beta.11', -1],
    ['1.0.0-rc.1', '1.0.0-beta.11', 1],
    ['1.0.0+build.5', '1.0.0', 0],
  ] as const)('%s vs %s -> %d', (a, b, expected) => {
    expect(order(a, b)).toBe(expected);
    expect(order(b, a)).toBe(-expected || 0);
  });

  test.each(['', '1', '1.2', '01.2.3', '1.2.3.4', 'latest', '1.2.3-'])('"%s" is not a version', (value) => {
    expect(parseSemver(value)).toBeUndefined();
  });
});

describe('what installing our CRD over the installed one is', () => {
  test.each([
    [false, undefined, 'create'],
    [true, undefined, 'unstamped'],
    [true, '0.1.0', 'same'],
    [true, '0.0.9', 'upgrade'],
    [true, '0.1.0-rc.1', 'upgrade'],
    [true, '0.2.0', 'downgrade'],
    [true, '0.1.1-rc.1', 'downgrade'],
    [true, 'main', 'unreadable'],
  ] as const)('present=%s installed=%s with ours 0.1.0 -> %s', (present, installed, kind) => {
    expect(classifyCrdChange(present, installed, '0.1.0').kind).toBe(kind);
  });

  test('only a downgrade or an unreadable stamp needs --force', () => {
    const needing = ['0.2.0', 'main'].map((v) => classifyCrdChange(true, v, '0.1.0'));
    const notNeeding = [undefined, '0.1.0', '0.0.1'].map((v) => classifyCrdChange(true, v, '0.1.0'));
    expect(needing.map(needsForce)).toEqual([true, true]);
    expect(notNeeding.map(needsForce)).toEqual([false, false, false]);
    expect(needsForce(classifyCrdChange(false, undefined, '0.1.0'))).toBe(false);
  });
});

describe('the refusal line', () => {
  test('names the CRD, the installed version and ours on one line', () => {
    const line = refusalMessage(
      [{ name: 'tikvs.core.tikv.org', change: classifyCrdChange(true, '0.3.0', '0.1.0') }],
      '0.1.0',
    );
    expect(line).toBe(
      'refusing to downgrade CRD tikvs.core.tikv.org (installed by tikv-operator 0.3.0) to tikv-operator 0.1.0; ' +
        'use --force to install anyway',
    );
  });

  test('lists every refused CRD, also an unreadable stamp', () => {
    const line = refusalMessage(
      [
        { name: 'pds.core.tikv.org', change: classifyCrdChange(true, '1.0.0', '0.1.0') },
        { name: 'tikvs.core.tikv.org', change: classifyCrdChange(true, 'dev', '0.1.0') },
      ],
      '0.1.0',
    );
    expect(line).not.toContain('\n');
    expect(line).toContain('CRDs pds.core.tikv.org (installed by tikv-operator 1.0.0)');
    expect(line).toContain('tikvs.core.tikv.org (stamped "dev", not a version)');
  });
});
