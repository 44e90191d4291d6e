// Structured logs: one JSON object per line on stderr (stdout stays free for command output), or plain
// `key=value` lines for a human at a terminal (the dev command). Child loggers carry bound fields
// (controller, key, cluster, ...) so every line of a reconcile can be found by them.
import { writeSync } from 'node:fs';

export const logLevels = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof logLevels)[number];

export const logFormats = ['json', 'text'] as const;
export type LogFormat = (typeof logFormats)[number];

export type LogFields = Record<string, unknown>;

/** Receives one complete line, without the trailing newline. */
export type LogSink = (line: string) => void;

export interface Logger {
  readonly level: LogLevel;
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** Whether a line at this level would be written: guards expensive field computation. */
  enabled(level: LogLevel): boolean;
  /** A logger that adds `fields` to every line; the child's fields win over the parent's on equal keys. */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  /** Lines below this level are dropped. Default `info`. */
  level?: LogLevel;
  /** Default `json`. */
  format?: LogFormat;
  /** Default: stderr. */
  sink?: LogSink;
  now?: () => Date;
}

export interface SerializedError {
  message: string;
  name?: string;
  code?: string | number;
  stack?: string;
  cause?: unknown;
}

const severity: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** The keys every JSON line starts with; a field with one of these names is written as `field.<name>`. */
const reservedKeys = new Set(['ts', 'level', 'msg']);

export function parseLogLevel(value: string): LogLevel {
  const level = value.trim().toLowerCase();
  if ((logLevels as readonly string[]).includes(level)) return level as LogLevel;
  throw new Error(`unknown log level "${value}": use one of ${logLevels.join(', ')}`);
}

export function parseLogFormat(value: string): LogFormat {
  const format = value.trim().toLowerCase();
  if ((logFormats as readonly string[]).includes(format)) return format as LogFormat;
  throw new Error(`unknown log format "${value}": use one of ${logFormats.join(', ')}`);
}

/** Message, name, code and cause of an error; the stack only when asked (debug level), it is long and noisy. */
export function serializeError(err: Error, withStack: boolean): SerializedError {
  const out: SerializedError = { message: err.message };
  if (err.name && err.name !== 'Error') out.name = err.name;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') out.code = code;
  if (withStack && err.stack) out.stack = err.stack;
  if (err.cause !== undefined)
    out.cause = err.cause instanceof Error ? serializeError(err.cause, withStack) : err.cause;
  return out;
}

/**
 * Writes synchronously so the last lines before a crash or `exit()` are not lost in a stream buffer.
 * A non-blocking stderr (a full pipe) reports EAGAIN; the line then goes through the buffered stream.
 */
export const stderrSink: LogSink = (line) => {
  const text = `${line}\n`;
  try {
    writeSync(2, text);
  } catch {
    console.error(line);
  }
};

/** JSON that never throws: Errors become objects, bigints strings, repeated objects `[Circular]`. */
function toJson(value: unknown, withStack: boolean): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Error) return serializeError(v, withStack);
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'object' && v !== null) {
      if (seen.has(v)) return '[Circular]';
      seen.add(v);
    }
    return v;
  });
}

function jsonLine(ts: Date, level: LogLevel, message: string, fields: LogFields, withStack: boolean): string {
  const record: LogFields = { ts: ts.toISOString(), level, msg: message };
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    record[reservedKeys.has(key) ? `field.${key}` : key] = value;
  }
  return toJson(record, withStack);
}

const bareValue = /^[^\s"=\\]+$/;

function textValue(value: unknown, withStack: boolean): string {
  if (value instanceof Error) return textValue(value.message, withStack);
  if (typeof value === 'string') return bareValue.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null) return 'null';
  return toJson(value, withStack);
}

function textLine(ts: Date, level: LogLevel, message: string, fields: LogFields, withStack: boolean): string {
  // UTC time of day: a dev session is short, the date adds nothing but width.
  const parts = [ts.toISOString().slice(11, 23), level.toUpperCase().padEnd(5), message];
  const stacks: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    parts.push(`${key}=${textValue(value, withStack)}`);
    if (withStack && value instanceof Error && value.stack) stacks.push(value.stack.replace(/^/gm, '    '));
  }
  return [parts.join(' '), ...stacks].join('\n');
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const format = options.format ?? 'json';
  const sink = options.sink ?? stderrSink;
  const now = options.now ?? (() => new Date());
  const render = format === 'json' ? jsonLine : textLine;
  const withStack = level === 'debug';
  const threshold = severity[level];

  const make = (bound: LogFields): Logger => {
    const write = (lineLevel: LogLevel, message: string, fields?: LogFields) => {
      if (severity[lineLevel] < threshold) return;
      sink(render(now(), lineLevel, message, fields ? { ...bound, ...fields } : bound, withStack));
    };
    return {
      level,
      debug: (message, fields) => write('debug', message, fields),
      info: (message, fields) => write('info', message, fields),
      warn: (message, fields) => write('warn', message, fields),
      error: (message, fields) => write('error', message, fields),
      enabled: (lineLevel) => severity[lineLevel] >= threshold,
      child: (fields) => make({ ...bound, ...fields }),
    };
  };
  return make({});
}

/** A logger that writes nothing (tests, library defaults). */
export function silentLogger(): Logger {
  const silent: Logger = {
    level: 'error',
    debug: () => {},
    info: () => {},
    warn: () => {},
    error: () => {},
    enabled: () => false,
    child: () => silent,
  };
  return silent;
}
