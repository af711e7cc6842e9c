/** Infrastructure logging (webpack's getInfrastructureLogger): every line goes through a hook. */
export type LogType = 'error' | 'warn' | 'info' | 'debug';

export interface Logger {
  error(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  info(...args: unknown[]): void;
  debug(...args: unknown[]): void;
  /** A child logger named `parent/child`. */
  child(name: string): Logger;
}

/** Where log lines end up once no tap swallowed them. */
export type LogSink = (origin: string, type: LogType, args: unknown[]) => void;

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
