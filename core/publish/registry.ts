/**
 * Pushing subject images: `<registry.url>/<subject>` tagged with the key, the UTC date and,
 * when configured, `latest`. Credentials come from the config (username + password, the
 * password best from BINFARM_REGISTRY__PASSWORD) or else from the user's Docker config
 * (core/engine/registry-auth.ts, which the engine uses when no auth is given).
 */
import type { BinfarmOptions } from '../config/schema/index.ts';
import { BinfarmError } from '../errors.ts';
import type { Engine, RegistryAuth } from '../engine/types.ts';

export interface PushedImage {
  subject: string;
  refs: string[];
  digest?: string;
}

/** `YYYYMMDD` in UTC. */
export function dateTag(d: Date = new Date()): string {
  return d.toISOString().slice(0, 10).replace(/-/g, '');
}

/** The registry host of `registry.url` (`127.0.0.1:5000/hep` → `127.0.0.1:5000`). */
export function registryHost(url: string): string {
  return url.replace(/^[a-z]+:\/\//i, '').split('/')[0]!;
}

/** `<registry.url>/<name>` without a scheme or trailing slash: the repository images are pushed to. */
export function registryRepository(registry: NonNullable<BinfarmOptions['registry']>, name: string): string {
  return `${registry.url.replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, '')}/${name}`;
}

export function configAuth(registry: NonNullable<BinfarmOptions['registry']>): RegistryAuth | undefined {
  if (!registry.username && !registry.password) return undefined;
  if (!registry.username || !registry.password) {
    throw new BinfarmError('E_AUTH', `registry ${registry.url}: ${registry.username ? 'registry.password' : 'registry.username'} is missing`, {
      hint: 'Set both (the password best as BINFARM_REGISTRY__PASSWORD), or neither to use `docker login` credentials.',
    });
  }
  return { username: registry.username, password: registry.password, serveraddress: registryHost(registry.url) };
}

export async function pushSubjectImage(
  engine: Engine,
  options: BinfarmOptions,
  subject: string,
  image: { ref: string; id: string },
  key: string,
  opts: {
    date?: Date;
    onProgress?: (line: string) => void;
    /** Pushed besides key, date and latest (e.g. `binfarm assemble --tag`). */ extraTags?: string[];
  } = {},
): Promise<PushedImage> {
  const registry = options.registry;
  if (!registry) throw new BinfarmError('E_PUBLISH', 'no registry configured', { hint: 'Set registry.url (e.g. "registry.example.org/hep") to push images.' });
  const repo = registryRepository(registry, subject);
  const tags = [...new Set([key.slice(0, 12), dateTag(opts.date), ...(registry.latest ? ['latest'] : []), ...(opts.extraTags ?? [])])];
  const auth = configAuth(registry);
  const refs: string[] = [];
  let digest: string | undefined;
  for (const tag of tags) {
    await engine.tag(image.id || image.ref, repo, tag);
    const ref = `${repo}:${tag}`;
    const r = await engine.push(ref, { ...(auth ? { auth } : {}), ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
    digest ??= r.digest;
    refs.push(ref);
  }
  return { subject, refs, ...(digest ? { digest } : {}) };
}
