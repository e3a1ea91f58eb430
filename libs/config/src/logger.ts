/**
 * The service's logs: JSON lines (pino) at LOG_LEVEL, one object per line with `level`, `time` (ISO
 * 8601, UTC), `name` (api, worker, …), `context` (who logged it) and `msg`, plus whatever structured
 * fields the caller gave. `JsonLogger` is the Nest `LoggerService` of the api, the worker and the
 * CLIs, so Nest's own lines and every `new Logger(context)` come out the same way.
 */
import { Logger, LoggerService, LogLevel } from '@nestjs/common';
import pino, { DestinationStream, Level } from 'pino';
import type { AppConfig } from './config';

/** Structured fields of a log line. Bigints must be given as decimal strings. */
export type LogFields = Readonly<Record<string, unknown>>;

/** The levels LOG_LEVEL names, as pino calls them. */
const PINO_LEVEL: Record<AppConfig['LOG_LEVEL'], Level> = { error: 'error', warn: 'warn', log: 'info', debug: 'debug' };

/** Nest's levels, most severe first, as pino calls them. */
const NEST_TO_PINO: Record<LogLevel, Level> = { fatal: 'fatal', error: 'error', warn: 'warn', log: 'info', debug: 'debug', verbose: 'trace' };

/**
 * Nest's start-up chatter (a line per module and per route): at debug, so the service's own start
 * line is not buried under forty route lines.
 */
const FRAMEWORK_CONTEXTS: ReadonlySet<string> = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication']);

/** One stdout destination for every logger of the process (tests start many apps in one). */
let stdout: DestinationStream | undefined;
const stdoutDestination = (): DestinationStream => (stdout ??= pino.destination({ dest: 1, sync: false }));

export interface JsonLoggerOptions {
  /** Names the process in every line: `api`, `worker`, `rebuild`… */
  readonly name: string;
  /** LOG_LEVEL, a list of Nest levels (the most verbose one counts), or false for none. */
  readonly level: AppConfig['LOG_LEVEL'] | readonly LogLevel[] | false;
  /** Where the lines go (default stdout); a spec passes one that collects them. */
  readonly stream?: DestinationStream;
}

const pinoLevelOf = (level: JsonLoggerOptions['level']): Level | 'silent' => {
  if (level === false) return 'silent';
  if (typeof level === 'string') return PINO_LEVEL[level];
  const order: readonly LogLevel[] = ['verbose', 'debug', 'log', 'warn', 'error', 'fatal'];
  const mostVerbose = order.find((candidate) => level.includes(candidate));
  return mostVerbose ? NEST_TO_PINO[mostVerbose] : 'silent';
};

export class JsonLogger implements LoggerService {
  /** The pino instance, for code that logs structured lines directly (the request log). */
  readonly pino: pino.Logger;

  constructor(options: JsonLoggerOptions) {
    this.pino = pino(
      {
        name: options.name,
        level: pinoLevelOf(options.level),
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
      },
      options.stream ?? stdoutDestination(),
    );
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  /**
   * Nest's calling convention: `(message, ...params, context)`, where a named Logger appends its
   * context, `error` may pass a stack before it, and an object (or an Error) adds fields.
   */
  private write(level: Level, message: unknown, params: readonly unknown[]): void {
    const fields: Record<string, unknown> = {};
    const rest = [...params];
    if (rest.length > 0 && typeof rest[rest.length - 1] === 'string') fields['context'] = rest.pop();
    for (const param of rest) {
      if (param instanceof Error) fields['err'] = param;
      else if (typeof param === 'object' && param !== null) Object.assign(fields, param);
      else if (typeof param === 'string') fields['stack'] = param;
    }
    let text: string | undefined;
    if (message instanceof Error) {
      fields['err'] = message;
      text = message.message;
    } else if (typeof message === 'object' && message !== null) {
      const { msg, ...others } = message as Record<string, unknown>;
      Object.assign(fields, others);
      text = typeof msg === 'string' ? msg : undefined;
    } else {
      text = String(message);
    }
    const demoted = level === 'info' && typeof fields['context'] === 'string' && FRAMEWORK_CONTEXTS.has(fields['context']);
    this.pino[demoted ? 'debug' : level](fields, text);
  }
}

/** A logger with structured fields beside each message, as the processor runner takes one. */
export interface FieldLogger {
  log(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** A Nest `Logger` under `context` that passes the fields on (JsonLogger writes them as fields). */
export const fieldLogger = (context: string): FieldLogger => {
  const logger = new Logger(context);
  return {
    log: (message, fields) => (fields ? logger.log(message, fields) : logger.log(message)),
    warn: (message, fields) => (fields ? logger.warn(message, fields) : logger.warn(message)),
    error: (message, fields) => (fields ? logger.error(message, fields) : logger.error(message)),
  };
};
