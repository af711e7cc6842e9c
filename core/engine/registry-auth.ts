/**
 * Registry credentials from the user's Docker configuration, found the way the docker CLI finds
 * them: `$DOCKER_CONFIG/config.json` (default `~/.docker/config.json`); a `credHelpers` entry for
 * the registry, else the `credsStore`, runs `docker-credential-<helper> get` with the server URL
 * on stdin; otherwise the base64 `user:password` in `auths`. Used for pull and (by the publish
 * phase) push. Secrets never reach a log line or an error message.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { BinfarmError } from '../errors.ts';
import type { RegistryAuth } from './types.ts';
import { DOCKER_HUB, parseImageRef } from './reference.ts';

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

export interface DockerConfigFile {
  auths?: Record<string, AuthEntry>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/** The key Docker Hub credentials are stored under. */
export const DOCKER_HUB_SERVER = 'https://index.docker.io/v1/';
const HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json');
}

export async function readDockerConfig(path: string): Promise<DockerConfigFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new BinfarmError('E_AUTH', `cannot read the Docker config ${path}: ${(e as Error).message}`, { cause: e });
  }
  try {
    return JSON.parse(text) as DockerConfigFile;
  } catch (e) {
    throw new BinfarmError('E_AUTH', `the Docker config ${path} is not valid JSON: ${(e as Error).message}`, {
      hint: 'Fix or remove the file, then `docker login` again.',
      cause: e,
    });
  }
}

/** `host[:port]` of a config key such as `https://index.docker.io/v1/` or `registry:5000`. */
function keyHost(key: string): string {
  const noScheme = key.replace(/^[a-z]+:\/\//i, '');
  const host = noScheme.split('/')[0] ?? noScheme;
  return HUB_ALIASES.has(host) ? DOCKER_HUB : host;
}

/** Server address the daemon and the credential helpers expect for a registry. */
export function serverAddress(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_SERVER : registry;
}

/** Runs `docker-credential-<helper> get`; undefined when the helper has no credentials. */
async function fromHelper(helper: string, registry: string, env: NodeJS.ProcessEnv): Promise<RegistryAuth | undefined> {
  const { execa } = await import('execa');
  const bin = `docker-credential-${helper}`;
  const server = serverAddress(registry);
  const r = await execa(bin, ['get'], { input: server, reject: false, env, extendEnv: false, timeout: 30_000 });
  if ((r as { code?: string }).code === 'ENOENT' || (r.failed && /ENOENT/.test(String(r.message)))) {
    throw new BinfarmError('E_AUTH', `the Docker credential helper ${bin} is configured for ${registry} but is not installed`, {
      hint: `Install ${bin} or remove "${helper}" from credHelpers/credsStore in ${dockerConfigPath(env)}.`,
    });
  }
  if (r.exitCode !== 0) {
    const out = `${r.stdout}${r.stderr}`;
    if (/credentials not found|not found in native keychain|no credentials/i.test(out)) return undefined;
    throw new BinfarmError('E_AUTH', `the Docker credential helper ${bin} failed for ${registry} (exit ${r.exitCode}): ${out.trim().slice(0, 300)}`, {
      hint: `Run \`echo ${server} | ${bin} get\` to see the problem, or \`docker login ${registry === DOCKER_HUB ? '' : registry}\` again.`,
    });
  }
  let parsed: { Username?: string; Secret?: string; ServerURL?: string };
  try {
    parsed = JSON.parse(r.stdout) as typeof parsed;
  } catch {
    throw new BinfarmError('E_AUTH', `the Docker credential helper ${bin} printed something that is not JSON for ${registry}`);
  }
  if (!parsed.Secret) return undefined;
  // The `<token>` user marks an identity token (docker/cli credentials/native_store.go).
  if (parsed.Username === '<token>') return { username: '', password: '', identitytoken: parsed.Secret, serveraddress: server };
  return { username: parsed.Username ?? '', password: parsed.Secret, serveraddress: server };
}

function fromAuths(cfg: DockerConfigFile, registry: string, path: string): RegistryAuth | undefined {
  for (const [key, entry] of Object.entries(cfg.auths ?? {})) {
    if (keyHost(key) !== registry) continue;
    const server = serverAddress(registry);
    if (entry.identitytoken) return { username: '', password: '', identitytoken: entry.identitytoken, serveraddress: server };
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) {
        throw new BinfarmError('E_AUTH', `the "auth" entry for ${key} in ${path} is not base64 of "user:password"`, {
          hint: `Run \`docker login ${registry === DOCKER_HUB ? '' : registry}\` again.`,
        });
      }
      return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), serveraddress: server };
    }
    if (entry.username && entry.password) return { username: entry.username, password: entry.password, serveraddress: server };
  }
  return undefined;
}

/**
 * Credentials for the registry of `refOrRegistry` (an image reference or a bare `host[:port]`),
 * or undefined when the user has none (anonymous pull).
 */
export async function resolveRegistryAuth(refOrRegistry: string, env: NodeJS.ProcessEnv = process.env): Promise<RegistryAuth | undefined> {
  const registry = refOrRegistry.includes('/') || refOrRegistry.includes('@') ? parseImageRef(refOrRegistry).registry : keyHost(refOrRegistry);
  const path = dockerConfigPath(env);
  const cfg = await readDockerConfig(path);
  if (!cfg) return undefined;
  const helperEntry = Object.entries(cfg.credHelpers ?? {}).find(([k]) => keyHost(k) === registry);
  const helper = helperEntry?.[1] ?? cfg.credsStore;
  if (helper) {
    const found = await fromHelper(helper, registry, env);
    if (found) return found;
  }
  return fromAuths(cfg, registry, path);
}
