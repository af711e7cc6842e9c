/**
 * The log sink belongs to a run, not to the farm: lines logged through a farm logger
 * (farm.getLogger) during a run go to that run's log, found through the async call chain. Two runs
 * on one farm (or a run and an assembly) each keep their own lines.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { LogSink } from '../types.ts';

interface SinkScope {
  sink?: LogSink | undefined;
}

const scopes = new AsyncLocalStorage<SinkScope>();

/** Runs `fn` in a log scope of its own: what setScopeSink sets inside it applies to everything fn calls, awaited or not. */
export function withLogScope<T>(fn: () => Promise<T>): Promise<T> {
  return scopes.run({}, fn);
}

/**
 * Sets the sink of the caller's log scope (the run's log); `undefined` goes back to the farm's
 * default sink. Outside a scope it does nothing: lines then go to the default sink.
 */
export function setScopeSink(sink: LogSink | undefined): void {
  const scope = scopes.getStore();
  if (scope) scope.sink = sink;
}

/** The sink of the run the caller is part of; undefined outside a run. */
export function currentLogSink(): LogSink | undefined {
  return scopes.getStore()?.sink;
}
