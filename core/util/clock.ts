/**
 * A monotonic clock in milliseconds, for durations. Not `performance.now()`: the first touch of the
 * `performance` global loads Node's perf_hooks (~5 ms of a no-op run's start-up on this machine;
 * docs/internals/startup.md).
 */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
