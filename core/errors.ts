/**
 * Typed errors with stable codes (the unjs pattern). Every error a user can see carries
 * a code, a message that says what is wrong, and where possible a hint that says what to do.
 * The CLI maps codes to exit codes (docs/cli.md#exit-codes).
 */
export type ErrorCode =
  | 'E_CONFIG_NOT_FOUND'
  | 'E_CONFIG_SYNTAX'
  | 'E_CONFIG_INVALID'
  | 'E_CONFIG_LOAD'
  | 'E_OVERRIDE'
  | 'E_PLUGIN_INVALID'
  | 'E_PLUGIN_NOT_INSTALLED'
  | 'E_PLUGIN'
  | 'E_ATOM'
  | 'E_GRAMMAR'
  | 'E_MAKECONF'
  | 'E_PORTAGE_CONFLICT'
  | 'E_SUBJECT'
  | 'E_PLAN'
  | 'E_DOCKER_UNREACHABLE'
  | 'E_DOCKER'
  | 'E_IMAGE_NOT_FOUND'
  | 'E_AUTH'
  | 'E_DIGEST'
  | 'E_DOWNLOAD'
  | 'E_ARCHIVE'
  | 'E_SIGNATURE'
  | 'E_TREE'
  | 'E_MOUNT'
  | 'E_EXECUTOR'
  | 'E_EMERGE'
  | 'E_BINHOST'
  | 'E_PUBLISH'
  | 'E_LOCKED'
  | 'E_LOCKFILE'
  | 'E_LOCK_DRIFT'
  | 'E_LOCK_SOURCE'
  | 'E_ASSEMBLE'
  | 'E_BINPKG_CORRUPT'
  /** A swarm job's uploaded binpkgs failed verification (core/executor/swarm/incoming.ts); nothing entered the partition. */
  | 'E_JOB_UPLOAD'
  | 'E_SMOKE'
  | 'E_SBOM'
  | 'E_PROVENANCE'
  | 'E_VERIFY'
  | 'E_INTERRUPTED'
  | 'E_USAGE'
  | 'E_INTERNAL';

export interface BinfarmErrorOptions {
  hint?: string;
  cause?: unknown;
  /** Extra structured data for --json output and tests. */
  details?: Record<string, unknown>;
}

export class BinfarmError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: BinfarmErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BinfarmError';
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
  }
}

/** An error thrown inside a plugin tap, wrapped with who and where (rollup's throwPluginError). */
export class PluginError extends BinfarmError {
  readonly plugin: string;
  readonly hook: string;
  readonly subject: string | undefined;

  constructor(plugin: string, hook: string, subject: string | undefined, cause: unknown) {
    const inner = cause instanceof Error ? cause.message : String(cause);
    const where = subject ? ` for subject "${subject}"` : '';
    // Built-in phases are binfarm's own work, not a plugin the user added: name the step.
    const who = plugin.startsWith('binfarm:') ? `${hook}` : `plugin "${plugin}" failed in hook "${hook}"`;
    super('E_PLUGIN', plugin.startsWith('binfarm:') ? `${who} failed${where}: ${inner}` : `${who}${where}: ${inner}`, {
      cause,
      hint: isBinfarmError(cause) ? cause.hint : undefined,
      details: { plugin, hook, subject, causeCode: isBinfarmError(cause) ? cause.code : undefined },
    });
    this.name = 'PluginError';
    this.plugin = plugin;
    this.hook = hook;
    this.subject = subject;
  }
}

/**
 * Duck-typed check: a user's config loaded through jiti may see another copy of this module,
 * so `instanceof` is not reliable across that boundary.
 */
export function isBinfarmError(e: unknown): e is BinfarmError {
  const code = (e as { code?: unknown } | null)?.code;
  return e instanceof Error && typeof code === 'string' && code.startsWith('E_');
}

/** The innermost binfarm error (a PluginError wraps the real reason). */
export function rootCause(e: unknown): unknown {
  let cur = e;
  while (cur instanceof Error && (cur as BinfarmError).code === 'E_PLUGIN' && cur.cause) cur = cur.cause;
  return cur;
}

/** Exit codes, documented in docs/cli.md. */
export const EXIT = {
  ok: 0,
  failure: 1,
  config: 2,
  usage: 64,
  interrupted: 130,
} as const;

export function exitCodeFor(e: unknown): number {
  const root = rootCause(e);
  const code = isBinfarmError(root) ? root.code : undefined;
  switch (code) {
    case 'E_CONFIG_NOT_FOUND':
    case 'E_CONFIG_SYNTAX':
    case 'E_CONFIG_INVALID':
    case 'E_CONFIG_LOAD':
    case 'E_OVERRIDE':
    case 'E_PLUGIN_INVALID':
    case 'E_PLUGIN_NOT_INSTALLED':
    case 'E_ATOM':
    case 'E_GRAMMAR':
    case 'E_MAKECONF':
    case 'E_PORTAGE_CONFLICT':
    case 'E_SUBJECT':
      return EXIT.config;
    case 'E_USAGE':
      return EXIT.usage;
    case 'E_INTERRUPTED':
      return EXIT.interrupted;
    default:
      return EXIT.failure;
  }
}
