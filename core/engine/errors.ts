/**
 * Turns dockerode failures into BinfarmErrors that say what happened and what to do.
 * dockerode throws plain Errors with `statusCode`, `reason` and `json` (branch on the status, not
 * on instanceof), socket errors carry `code` (ECONNREFUSED, ENOENT, EACCES...), and build/pull/push
 * report failures inside a 200 stream as events with `.error` (docs/internals/architecture.md#docker-engine-api).
 */
import { BinfarmError, isBinfarmError } from '../errors.ts';
import { parseImageRef } from './reference.ts';

export interface DockerErrorContext {
  /** What we were doing, e.g. `pull`, `create container`, `push`. */
  action: string;
  /** Image reference involved, if any. */
  ref?: string;
  /** Where the engine is, e.g. `unix:///var/run/docker.sock`. */
  host?: string;
  /** Whose credentials were sent: the config's `registry` (so `docker login` is not the fix), Docker's, or none. */
  credentials?: 'config' | 'docker' | 'none';
}

interface DockerodeError extends Error {
  statusCode?: number;
  reason?: string;
  json?: { message?: string } | string | null;
  code?: string;
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'EACCES',
  'EPERM',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'ENOTSOCK',
]);

const AUTH_TEXT =
  /unauthorized|authentication required|no basic auth credentials|incorrect username or password|denied: requested access|access.+denied|insufficient_scope/i;
const NOT_FOUND_TEXT = /no such image|manifest unknown|not found: manifest|repository does not exist|manifest for .* not found|reference does not exist/i;
const NETWORK_TEXT = /no such host|dial tcp|connection refused|i\/o timeout|TLS handshake timeout|network is unreachable|server misbehaving/i;

/** The daemon's own message, without dockerode's `(HTTP code N) reason -` prefix. */
export function daemonMessage(e: unknown): string {
  const err = e as DockerodeError;
  if (err && typeof err.json === 'object' && err.json && typeof err.json.message === 'string') return err.json.message.trim();
  if (err && typeof err.json === 'string' && err.json.trim()) return err.json.trim();
  const msg = err instanceof Error ? err.message : String(e);
  return msg.replace(/^\(HTTP code \d+\)\s*[^-]*-\s*/, '').trim();
}

export function unreachable(host: string, code: string | undefined, cause?: unknown): BinfarmError {
  const permission = code === 'EACCES' || code === 'EPERM';
  const hint = permission
    ? `Permission denied on the Docker socket. Add your user to the docker group (\`sudo usermod -aG docker $USER\`, then log in again), or run binfarm as root.`
    : `Start the Docker daemon (\`sudo systemctl start docker\`, or \`sudo dockerd &\`), or point DOCKER_HOST (or docker.host in binfarm.config.ts) at a running engine, e.g. DOCKER_HOST=unix:///var/run/docker.sock or tcp://host:2376 with DOCKER_TLS_VERIFY=1.`;
  return new BinfarmError('E_DOCKER_UNREACHABLE', `cannot reach the Docker daemon at ${host}${code ? ` (${code})` : ''}`, {
    hint,
    cause,
    details: { host, code },
  });
}

function registryOf(ref: string | undefined): string {
  if (!ref) return 'the registry';
  const r = parseImageRef(ref).registry;
  return r === 'docker.io' ? 'Docker Hub (docker.io)' : r;
}

function authError(ctx: DockerErrorContext, message: string, cause?: unknown): BinfarmError {
  const reg = ctx.ref ? parseImageRef(ctx.ref).registry : undefined;
  if (ctx.credentials === 'config') {
    return new BinfarmError('E_AUTH', `${registryOf(ctx.ref)} refused ${ctx.action}${ctx.ref ? ` of ${ctx.ref}` : ''} with the credentials from the config (registry.username and registry.password): ${message}`, {
      hint: 'Check registry.username and the password (BINFARM_REGISTRY__PASSWORD or registry.password; `binfarm config registry` shows where each came from), and that this user may push to that repository.',
      cause,
      details: { registry: reg, ref: ctx.ref, credentials: 'config' },
    });
  }
  return new BinfarmError('E_AUTH', `${registryOf(ctx.ref)} refused ${ctx.action}${ctx.ref ? ` of ${ctx.ref}` : ''}: ${message}`, {
    hint: `Log in with \`docker login${reg && reg !== 'docker.io' ? ` ${reg}` : ''}\` (binfarm reads ~/.docker/config.json, or $DOCKER_CONFIG, and its credential helpers), or set the registry credentials in binfarm.config.ts.`,
    cause,
    details: { registry: reg, ref: ctx.ref },
  });
}

function notFound(ctx: DockerErrorContext, message: string, cause?: unknown): BinfarmError {
  const pulling = ctx.action === 'pull';
  return new BinfarmError(
    'E_IMAGE_NOT_FOUND',
    `image "${ctx.ref ?? '?'}" not found${pulling ? ` on ${registryOf(ctx.ref)}` : ' in the Docker engine'}: ${message}`,
    {
      hint: pulling
        ? 'Check the repository and tag (they are case-sensitive). A private repository also answers "not found" until you `docker login`.'
        : 'Check the name or id with `docker images`, or pull/build it first.',
      cause,
      details: { ref: ctx.ref },
    },
  );
}

/** Classifies a message that came back inside a 200 stream or a thrown error. */
function classifyText(ctx: DockerErrorContext, message: string, cause?: unknown): BinfarmError {
  if (AUTH_TEXT.test(message) && !/repository does not exist/i.test(message)) return authError(ctx, message, cause);
  if (NOT_FOUND_TEXT.test(message) && ctx.ref) return notFound(ctx, message, cause);
  const network = NETWORK_TEXT.test(message) && (ctx.action === 'pull' || ctx.action === 'push');
  return new BinfarmError('E_DOCKER', `Docker ${ctx.action}${ctx.ref ? ` of ${ctx.ref}` : ''} failed: ${message}`, {
    hint: network
      ? `The Docker daemon could not reach ${registryOf(ctx.ref)}. Offline? Use what is on disk instead: stage3.type = 'local' or 'tarball', tree.type = 'snapshot', 'sqfs', 'dir' or 'git'.`
      : undefined,
    cause,
  });
}

/** Translates anything dockerode threw. BinfarmErrors pass through unchanged. */
export function translateDockerError(e: unknown, ctx: DockerErrorContext): BinfarmError {
  if (isBinfarmError(e)) return e;
  const err = e as DockerodeError;
  if (err?.name === 'AbortError') {
    return new BinfarmError('E_INTERRUPTED', `Docker ${ctx.action} was interrupted`, { cause: e });
  }
  if (err?.code && UNREACHABLE_CODES.has(err.code) && err.statusCode === undefined) {
    return unreachable(ctx.host ?? 'the configured DOCKER_HOST', err.code, e);
  }
  const message = daemonMessage(e);
  switch (err?.statusCode) {
    case 401:
    case 403:
      return authError(ctx, message, e);
    case 404:
      if (ctx.ref && (/image|manifest|repository/i.test(message) || ctx.action === 'pull' || ctx.action === 'inspect image')) {
        return AUTH_TEXT.test(message) && !/repository does not exist/i.test(message) ? authError(ctx, message, e) : notFound(ctx, message, e);
      }
      return new BinfarmError('E_DOCKER', `Docker ${ctx.action} failed: ${message}`, { cause: e });
    default:
      return classifyText(ctx, message, e);
  }
}

/** An `{error, errorDetail}` event from a build/pull/push/import stream. */
export function streamEventError(event: { error?: string; errorDetail?: { message?: string } }, ctx: DockerErrorContext): BinfarmError {
  const message = event.errorDetail?.message ?? event.error ?? 'unknown error';
  return classifyText(ctx, message);
}
