/**
 * The one way binfarm wraps plugin taps: a register interceptor that puts code around every tap
 * of a hook (present and future), whatever its kind (`tap`, `tapPromise`, `tapAsync`). Used for
 * error wrapping (core/hooks.ts), phase claims (core/run/claims.ts), checks of returned values
 * (core/run/tap-results.ts) and contribution tracking (core/hook-contributions.ts).
 */

/** A tap as a register interceptor sees it (tapable's Tap, plus what interceptors added). */
export interface Tap {
  name: string;
  type: 'sync' | 'async' | 'promise';
  fn: (...args: any[]) => any;
}

/** Code around one call of a tap. Each part is optional. */
export interface TapWrapper<S = unknown> {
  /** Before the call; what it returns is handed to `after`. */
  before?(args: unknown[]): S;
  /** After a successful call: returns what the tap returns (throwing fails the tap). */
  after?(args: unknown[], result: unknown, state: S): unknown;
  /** The tap threw or rejected: returns the error to pass on instead. */
  error?(args: unknown[], error: unknown): unknown;
}

type Interceptable = { intercept(i: { register?: (tap: any) => any }): void };

/** Wraps every tap of `hook` with what `wrapperFor(tap)` returns (nothing: the tap is left alone). */
export function wrapTaps<H extends Interceptable>(hook: H, wrapperFor: (tap: Tap) => TapWrapper<any> | undefined): H {
  hook.intercept({
    register(tap: Tap) {
      const w = wrapperFor(tap);
      if (w) wrapTap(tap, w);
      return tap;
    },
  });
  return hook;
}

function wrapTap<S>(tap: Tap, w: TapWrapper<S>): void {
  const fn = tap.fn;
  const fail = (args: unknown[], e: unknown) => (w.error ? w.error(args, e) : e);
  const done = (args: unknown[], result: unknown, state: S) => (w.after ? w.after(args, result, state) : result);
  if (tap.type === 'sync') {
    tap.fn = (...args: unknown[]) => {
      let state: S;
      let result: unknown;
      try {
        state = w.before?.(args) as S;
        result = fn(...args);
      } catch (e) {
        throw fail(args, e);
      }
      return done(args, result, state);
    };
  } else if (tap.type === 'promise') {
    tap.fn = (...args: unknown[]) => {
      let state: S;
      let p: unknown;
      try {
        state = w.before?.(args) as S;
        p = fn(...args);
      } catch (e) {
        return Promise.reject(fail(args, e));
      }
      return Promise.resolve(p).then(
        (result) => done(args, result, state),
        (e: unknown) => {
          throw fail(args, e);
        },
      );
    };
  } else {
    tap.fn = (...argsAndCb: unknown[]) => {
      const cb = argsAndCb.pop() as (err?: unknown, result?: unknown) => void;
      const args = argsAndCb;
      try {
        const state = w.before?.(args) as S;
        fn(...args, (err: unknown, result: unknown) => {
          if (err) return cb(fail(args, err));
          let out: unknown;
          try {
            out = done(args, result, state);
          } catch (e) {
            return cb(e);
          }
          cb(null, out);
        });
      } catch (e) {
        cb(fail(args, e));
      }
    };
  }
}
