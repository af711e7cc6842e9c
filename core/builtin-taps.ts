/**
 * Which taps are binfarm's own. A tap is built-in when it was registered while a built-in plugin
 * was being applied (Farm.apply of a plugin whose name has the reserved `binfarm:` prefix, which
 * normalizePlugins refuses for user plugins). The tap's name plays no part: a user tap named
 * `binfarm:emerge` is still the user's. Built-in phase taps report notes instead of claiming the
 * phase (core/run/claims.ts), and their contributions are covered by binfarm's version
 * (core/hook-contributions.ts).
 */

/** Plugin names with this prefix are reserved for binfarm's built-in plugins. */
export const BUILTIN_PREFIX = 'binfarm:';

const BUILTIN = Symbol('binfarm built-in tap');
let applying = 0;

type Interceptable = { intercept(i: { register?: (tap: any) => any; factory?: (key: any, hook: any) => any }): void };

export function isBuiltinName(name: string): boolean {
  return name.startsWith(BUILTIN_PREFIX);
}

/** Runs a built-in plugin's apply(): every tap it registers is marked built-in. */
export function applyingBuiltin(fn: () => void): void {
  applying++;
  try {
    fn();
  } finally {
    applying--;
  }
}

/** True for a tap (as seen by a register interceptor) registered by a built-in plugin. */
export function isBuiltinTap(tap: object): boolean {
  return (tap as { [BUILTIN]?: boolean })[BUILTIN] === true;
}

/** Installs the marking on fresh hooks (createHooks); must come before other register interceptors that ask isBuiltinTap. */
export function markBuiltinTaps(hooks: Record<string, Interceptable>, hookMaps: readonly string[]): void {
  const mark = { register: (tap: object) => (applying > 0 ? Object.assign(tap, { [BUILTIN]: true }) : tap) };
  for (const [name, hook] of Object.entries(hooks)) {
    if (hookMaps.includes(name)) {
      hook.intercept({
        factory: (_key: unknown, h: Interceptable) => {
          h.intercept(mark);
          return h;
        },
      });
    } else hook.intercept(mark);
  }
}
