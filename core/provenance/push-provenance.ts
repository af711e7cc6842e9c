/**
 * Publishing's provenance step: after an image is pushed, its attestation (recorded when it was
 * built, store.ts) is pushed to the same repository under `sha256-<manifest digest>.att`
 * (attestation.ts). Credentials as for the image push: registry.username/password, else the
 * user's Docker config.
 */
import type { BinfarmOptions } from '../config/schema/index.ts';
import type { RegistryAuth } from '../engine/types.ts';
import { resolveRegistryAuth } from '../engine/registry-auth.ts';
import { parseImageRef } from '../engine/reference.ts';
import { configAuth } from '../publish/registry.ts';
import { pushAttestation } from './attestation.ts';
import { registryClient, type RegistryClient } from './registry-client.ts';
import { readLocalAttestation } from './store.ts';

/** A client for the registry of `ref` with the farm's credentials (or the Docker config's). */
export async function clientFor(ref: string, options?: Pick<BinfarmOptions, 'registry'>): Promise<{ client: RegistryClient; repo: string }> {
  const parsed = parseImageRef(ref);
  const registry = options?.registry;
  const sameHost = registry && registry.url.replace(/^[a-z]+:\/\//i, '').split('/')[0] === parsed.registry;
  let auth: RegistryAuth | undefined = sameHost ? configAuth(registry) : undefined;
  auth ??= await resolveRegistryAuth(parsed.registry);
  const scheme = sameHost ? /^(https?):\/\//i.exec(registry.url)?.[1]?.toLowerCase() : undefined;
  const client = registryClient({ host: parsed.registry, ...(auth ? { auth } : {}), ...(scheme ? { scheme: scheme as 'http' | 'https' } : {}) });
  return { client, repo: parsed.repository };
}

/** Pushes the attestation of a pushed image; returns its reference, or undefined when none was recorded. */
export async function pushProvenance(
  options: BinfarmOptions,
  stateDir: string,
  image: { id: string },
  pushed: { refs: string[]; digest?: string },
): Promise<string | undefined> {
  if (!pushed.digest || !pushed.refs[0]) return undefined;
  const a = await readLocalAttestation(stateDir, image.id);
  if (!a) return undefined;
  const { client, repo } = await clientFor(pushed.refs[0], options);
  return pushAttestation(client, repo, pushed.digest, a);
}
