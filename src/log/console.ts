/**
 * A JSON console logger for runtimes without pino's transports (Cloudflare Workers): one JSON line per
 * call through console.log/warn/error, which Workers Logs index as structured fields. It has pino's
 * shape (level number, ISO time, service, msg) and pino's redaction: the same REDACTED_PATHS, with
 * fast-redact's path semantics (exact paths, `*` for any one key), so a field hidden in Node's logs is
 * hidden here too (test/worker/console-log.test.ts compares both with a canary).
 */
import type { Logger } from '../platform.ts';
import { REDACTED_PATHS } from './redact.ts';

export const LOG_LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Number.POSITIVE_INFINITY } as const;
export type LogLevel = keyof typeof LOG_LEVELS;

export const CENSOR = '[redacted]';

/** Where lines go: the console by default, a collector in tests. */
export interface LineSink {
  log(line: string): void;
  warn(line: string): void;
  error(line: string): void;
}

type Segment = string | typeof WILDCARD;
const WILDCARD = Symbol('wildcard');

/** Parses pino/fast-redact paths: `a.b`, `a["b-c"]`, `a['b']`, `*.b`. */
export function parseRedactPath(path: string): Segment[] {
  const segments: Segment[] = [];
  const pattern = /([^.[\]]+)|\[\s*(?:"([^"]*)"|'([^']*)'|(\*))\s*\]/g;
  for (const match of path.matchAll(pattern)) {
    const name = match[1] ?? match[2] ?? match[3];
    segments.push(match[4] === '*' || name === '*' ? WILDCARD : (name ?? ''));
  }
  return segments;
}

const COMPILED_PATHS: Segment[][] = REDACTED_PATHS.map(parseRedactPath);

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

function censorPath(target: unknown, segments: Segment[]): void {
  if (!isRecord(target) || segments.length === 0) return;
  const [head, ...rest] = segments;
  const keys = head === WILDCARD ? Object.keys(target) : [head as string];
  for (const key of keys) {
    if (!Object.hasOwn(target, key)) continue;
    if (rest.length === 0) {
      if (target[key] !== undefined) target[key] = CENSOR;
    } else {
      censorPath(target[key], rest);
    }
  }
}

/**
 * A plain, JSON-safe copy of a log object: errors become {type, message, stack} (as pino's err
 * serializer does), cycles become "[Circular]", functions and undefined are dropped. The caller's
 * object is never modified.
 */
function plainCopy(value: unknown, seen: WeakSet<object>): unknown {
  if (value instanceof Error) {
    return { type: value.name, message: value.message, stack: value.stack };
  }
  if (typeof value === 'bigint') return value.toString();
  if (!isRecord(value)) return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  const json = (value as { toJSON?: () => unknown }).toJSON;
  let out: unknown;
  if (typeof json === 'function') {
    out = json.call(value);
  } else if (Array.isArray(value)) {
    out = value.map((item) => plainCopy(item, seen));
  } else {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
      copy[key] = plainCopy(item, seen);
    }
    out = copy;
  }
  seen.delete(value);
  return out;
}

/** Copies a log object and censors every REDACTED_PATHS match in the copy. */
export function redact(obj: object): Record<string, unknown> {
  const copy = plainCopy(obj, new WeakSet());
  const record = isRecord(copy) && !Array.isArray(copy) ? copy : { value: copy };
  for (const segments of COMPILED_PATHS) censorPath(record, segments);
  return record;
}

export interface ConsoleLoggerOptions {
  level?: LogLevel;
  sink?: LineSink;
  now?: () => number;
}

export function createConsoleLogger(options: ConsoleLoggerOptions = {}): Logger {
  const threshold = LOG_LEVELS[options.level ?? 'info'];
  const sink = options.sink ?? console;
  const now = options.now ?? Date.now;

  const write = (level: 'info' | 'warn' | 'error', obj: object, msg?: string): void => {
    if (LOG_LEVELS[level] < threshold) return;
    // Fields of the caller come after level/time so they read naturally, but cannot replace them.
    const line = {
      ...redact(obj),
      level: LOG_LEVELS[level],
      time: new Date(now()).toISOString(),
      service: 'portcullis',
      ...(msg === undefined ? {} : { msg }),
    };
    sink[level === 'info' ? 'log' : level](JSON.stringify(line));
  };

  return {
    info: (obj, msg) => write('info', obj, msg),
    warn: (obj, msg) => write('warn', obj, msg),
    error: (obj, msg) => write('error', obj, msg),
  };
}
