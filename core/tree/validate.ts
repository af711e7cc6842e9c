/**
 * Every repository binfarm mounts must be a Portage repository: `profiles/repo_name` names it
 * (Portage refuses a repo without one). Checked before a tree is cached or mounted.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BinfarmError } from '../errors.ts';

export function missingRepoName(what: string, where: string): BinfarmError {
  return new BinfarmError('E_TREE', `${what} is not a Portage repository: ${where} has no profiles/repo_name`, {
    hint: "Point the source at the repository's top directory (the one holding profiles/, metadata/ and the categories), or, for your own overlay, create profiles/repo_name containing its name.",
    details: { source: what, path: where },
  });
}

function clean(name: string): string {
  return name.split('\n')[0]!.trim();
}

export async function repoNameOfDir(dir: string, what: string): Promise<string> {
  const file = join(dir, 'profiles', 'repo_name');
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined || !clean(text)) throw missingRepoName(what, dir);
  return clean(text);
}

export async function repoNameOfSquashfs(image: string, what: string): Promise<string> {
  const { execa } = await import('execa');
  const r = await execa('rdsquashfs', ['--cat', '/profiles/repo_name', image], { reject: false });
  if (r.exitCode !== 0) {
    if (/ENOENT/.test(String((r as { message?: string }).message)) && (r as { code?: string }).code === 'ENOENT') {
      throw new BinfarmError('E_TREE', 'rdsquashfs is not installed', { hint: 'Install squashfs-tools-ng.' });
    }
    const notSqfs = /superblock|magic|not a squashfs|reading super/i.test(r.stderr);
    if (notSqfs) {
      throw new BinfarmError('E_ARCHIVE', `${what} is not a readable squashfs image: ${r.stderr.trim()}`, { hint: 'Download it again; check its checksum.' });
    }
    throw missingRepoName(what, `the squashfs image ${image}`);
  }
  if (!clean(r.stdout)) throw missingRepoName(what, `the squashfs image ${image}`);
  return clean(r.stdout);
}
