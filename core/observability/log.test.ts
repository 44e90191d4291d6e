import { describe, expect, test } from 'bun:test';
import {
  createLogger,
  type LoggerOptions,
  parseLogFormat,
  parseLogLevel,
  serializeError,
  silentLogger,
} from './log.ts';

const fixedTime = new Date('2030-04-05T06:07:08.901Z');

function capture(options: Omit<LoggerOptions, 'sink' | 'now'> = {}) {
  const lines: string[] = [];
  const logger = createLogger({ ...options, sink: (line) => lines.push(line), now: () => fixedTime });
  const records = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines, records };
}

describe('JSON logs', () => {
  test('writes one JSON object per line with timestamp, level, message and fields', () => {
    const { logger, lines, records } = capture();
    logger.info('reconciled', { controller: 'tikv', requeue: false, count: 3 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    expect(records()).toEqual([
      {
        ts: '2030-04-05T06:07:08.901Z',
        level: 'info',
        msg: 'reconciled',
        controller: 'tikv',
        requeue: false,
        count: 3,
      },
    ]);
  });

  test('drops lines below the configured level', () => {
    const { logger, records } = capture({ level: 'warn' });
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect(records().map((r) => r.level)).toEqual(['warn', 'error']);
    expect(logger.enabled('info')).toBe(false);
    expect(logger.enabled('error')).toBe(true);
  });

  test('defaults to info level', () => {
    const { logger, records } = capture();
    logger.debug('hidden');
    logger.info('shown');
    expect(records().map((r) => r.msg)).toEqual(['shown']);
  });

  test('child loggers carry bound fields, nested children add to them and call fields win', () => {
    const { logger, records } = capture();
    const controller = logger.child({ controller: 'tikv-group', cluster: 'basic' });
    const reconcile = controller.child({ key: 'default/basic-tikv' });
    reconcile.info('step done', { step: 'evict leaders', cluster: 'other' });
    controller.info('idle');
    expect(records()).toEqual([
      {
        ts: '2030-04-05T06:07:08.901Z',
        level: 'info',
        msg: 'step done',
        controller: 'tikv-group',
        cluster: 'other',
        key: 'default/basic-tikv',
        step: 'evict leaders',
      },
      { ts: '2030-04-05T06:07:08.901Z', level: 'info', msg: 'idle', controller: 'tikv-group', cluster: 'basic' },
    ]);
  });

  test('a field named like a reserved key does not overwrite the timestamp, level or message', () => {
    const { logger, records } = capture();
    logger.info('real message', { msg: 'field message', level: 7 });
    expect(records()[0]).toMatchObject({
      level: 'info',
      msg: 'real message',
      'field.msg': 'field message',
      'field.level': 7,
    });
  });

  test('serialises errors with their message, and their stack only at debug level', () => {
    const err = Object.assign(new TypeError('connection refused'), { code: 'ECONNREFUSED' });
    const info = capture({ level: 'info' });
    info.logger.error('request failed', { err });
    expect(info.records()[0]?.err).toEqual({ message: 'connection refused', name: 'TypeError', code: 'ECONNREFUSED' });

    const debug = capture({ level: 'debug' });
    debug.logger.error('request failed', { err });
    const serialised = debug.records()[0]?.err as { message: string; stack?: string };
    expect(serialised.message).toBe('connection refused');
    expect(serialised.stack).toContain('connection refused');
  });

  test('serialises error causes', () => {
    const err = new Error('apply failed', { cause: new Error('409 Conflict') });
    expect(serializeError(err, false)).toEqual({ message: 'apply failed', cause: { message: '409 Conflict' } });
  });

  test('never throws on circular structures or bigints', () => {
    const { logger, records } = capture();
    const loop: Record<string, unknown> = { name: 'a' };
    loop.self = loop;
    logger.info('odd fields', { loop, big: 12n });
    expect(records()[0]).toMatchObject({ loop: { name: 'a', self: '[Circular]' }, big: '12' });
  });

  test('omits undefined fields', () => {
    const { logger, lines } = capture();
    logger.info('m', { namespace: undefined, name: 'x' });
    expect(lines[0]).not.toContain('namespace');
  });
});

describe('text logs', () => {
  test('writes a time, the level, the message and key=value pairs, quoting values with spaces', () => {
    const { logger, lines } = capture({ format: 'text' });
    logger.child({ controller: 'pd' }).warn('store not ready', {
      store: 4,
      reason: 'leader count 12',
      labels: { zone: 'a' },
      ok: false,
    });
    expect(lines).toEqual([
      '06:07:08.901 WARN  store not ready controller=pd store=4 reason="leader count 12" labels={"zone":"a"} ok=false',
    ]);
  });

  test('writes errors as their message, with an indented stack at debug level', () => {
    const info = capture({ format: 'text' });
    info.logger.error('failed', { err: new Error('boom') });
    expect(info.lines).toEqual(['06:07:08.901 ERROR failed err=boom']);

    const debug = capture({ format: 'text', level: 'debug' });
    debug.logger.error('failed', { err: new Error('boom') });
    const [first, ...stack] = debug.lines[0]?.split('\n') ?? [];
    expect(first).toBe('06:07:08.901 ERROR failed err=boom');
    expect(stack[0]).toBe('    Error: boom');
  });
});

describe('configuration', () => {
  test('parses levels and formats case-insensitively and rejects unknown ones with the valid choices', () => {
    expect(parseLogLevel('DEBUG')).toBe('debug');
    expect(parseLogFormat(' Text ')).toBe('text');
    expect(() => parseLogLevel('verbose')).toThrow('unknown log level "verbose": use one of debug, info, warn, error');
    expect(() => parseLogFormat('xml')).toThrow('use one of json, text');
  });

  test('the silent logger writes nothing and reports every level disabled', () => {
    const logger = silentLogger();
    expect(logger.enabled('error')).toBe(false);
    expect(() => logger.child({ a: 1 }).error('x')).not.toThrow();
  });
});

describe('default sink', () => {
  test('writes lines to stderr and nothing to stdout', async () => {
    const script = `import { createLogger } from ${JSON.stringify(new URL('./log.ts', import.meta.url).pathname)};
createLogger().info('to stderr', { n: 1 });`;
    const proc = Bun.spawn([process.execPath, '-e', script], { stdout: 'pipe', stderr: 'pipe' });
    const [stdout, stderr, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    expect(code).toBe(0);
    expect(stdout).toBe('');
    expect(JSON.parse(stderr)).toMatchObject({ level: 'info', msg: 'to stderr', n: 1 });
  });
});
