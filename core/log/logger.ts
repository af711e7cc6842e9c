/** Infrastructure logging (webpack's getInfrastructureLogger): every line goes through a hook. */
import type { Logger, LogSink } from '../types.ts';

export type { Logger, LogSink, LogType } from '../types.ts';

export function createLogger(origin: string, emit: LogSink): Logger {
  return {
    error: (...args) => emit(origin, 'error', args),
    warn: (...args) => emit(origin, 'warn', args),
    info: (...args) => emit(origin, 'info', args),
    debug: (...args) => emit(origin, 'debug', args),
    child: (name) => createLogger(`${origin}/${name}`, emit),
  };
}

export function formatLogArgs(args: unknown[]): string {
  return args
    .map((a) => (typeof a === 'string' ? a : a instanceof Error ? (a.stack ?? a.message) : JSON.stringify(a)))
    .join(' ');
}
