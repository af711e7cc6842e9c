/**
 * Which snapshot of each repository a combined tree identity was made of. A subject's state
 * records only the combined identity of the tree and its overlays (core/plan/state.ts); with a
 * remote tree or overlay, `binfarm lock` cannot resolve the parts again without fetching (and a
 * fetch today may bring a newer snapshot than the one built). So every run that resolved all of
 * them notes the parts under the combined identity, in `<stateDir>/tree-parts.json`; the lock
 * looks them up and re-combines them to check they are what the build recorded.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stableHash } from '../util/hash.ts';
import { writeFileAtomic } from '../util/fs.ts';

/** Parts kept: the newest ones (a farm's builds use one or two combinations at a time). */
const KEEP = 64;

type Parts = Record<string, Record<string, string>>;

/** The identity the plan and the builds use for the tree with its overlays. */
export function combinedTreeDigest(repos: Array<{ name: string; digest?: string }>): string {
  return repos.length === 1 ? repos[0]!.digest! : `sha256:${stableHash(repos.map((r) => [r.name, r.digest]))}`;
}

const fileOf = (stateDir: string) => join(stateDir, 'tree-parts.json');

async function readParts(stateDir: string): Promise<Parts> {
  return readFile(fileOf(stateDir), 'utf8').then(
    (t) => JSON.parse(t) as Parts,
    () => ({}),
  );
}

export async function recordRepoDigests(stateDir: string, combined: string, repos: Array<{ name: string; digest?: string }>): Promise<void> {
  const parts = await readParts(stateDir);
  const entry = Object.fromEntries(repos.map((r) => [r.name, r.digest!]));
  if (JSON.stringify(parts[combined]) === JSON.stringify(entry)) return;
  delete parts[combined];
  const kept = Object.entries(parts).slice(-(KEEP - 1));
  await writeFileAtomic(fileOf(stateDir), `${JSON.stringify(Object.fromEntries([...kept, [combined, entry]]), null, 2)}\n`);
}

/** Repository name → snapshot identity of `combined`, in config order, if a run noted them and they re-combine to it. */
export async function repoDigestsOf(stateDir: string, combined: string, names: string[]): Promise<Record<string, string> | undefined> {
  const entry = (await readParts(stateDir))[combined];
  if (!entry || !names.every((n) => entry[n])) return undefined;
  return combinedTreeDigest(names.map((n) => ({ name: n, digest: entry[n]! }))) === combined ? entry : undefined;
}
