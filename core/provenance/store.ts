/**
 * Attestations on this machine: beside the run (`<runDir>/provenance/<name>.intoto.json` and
 * `.asc`, what the run made) and under the state dir by image id
 * (`<stateDir>/attestations/<hex>.intoto.json`), where `verify`, `sbom` and publishing look
 * them up for a local image.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/fs.ts';
import type { Attestation } from './attestation.ts';

export function localAttestationPath(stateDir: string, imageId: string): string {
  return join(stateDir, 'attestations', `${imageId.replace(/^sha256:/, '')}.intoto.json`);
}

export function runAttestationPath(runDir: string, name: string): string {
  return join(runDir, 'provenance', `${name}.intoto.json`);
}

export async function storeAttestation(opts: { stateDir: string; runDir: string; name: string; imageId: string }, a: Attestation): Promise<void> {
  for (const path of [runAttestationPath(opts.runDir, opts.name), localAttestationPath(opts.stateDir, opts.imageId)]) {
    // Signature first: a reader that finds the statement finds its signature too.
    if (a.signature) await writeFileAtomic(`${path}.asc`, a.signature);
    await writeFileAtomic(path, a.statement);
  }
}

export async function readLocalAttestation(stateDir: string, imageId: string): Promise<Attestation | undefined> {
  const path = localAttestationPath(stateDir, imageId);
  const statement = await readFile(path, 'utf8').catch(() => undefined);
  if (statement === undefined) return undefined;
  const signature = await readFile(`${path}.asc`, 'utf8').catch(() => undefined);
  return { statement, ...(signature ? { signature } : {}) };
}
