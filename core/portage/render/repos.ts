import type { BinrepoConfEntry, RepoConfEntry } from '../model.ts';
import { header } from './conventions.ts';

/**
 * `repos.conf/<name>.conf`. A read-only tree gets empty `sync-type`/`sync-uri` and
 * `auto-sync = no` (docs/internals/gentoo.md#read-only-tree); the gentoo repository also declares itself main-repo.
 */
export function renderRepoConf(name: string, r: RepoConfEntry, contributor = '00-binfarm'): string {
  let s = header(contributor);
  if (name === 'gentoo') s += '[DEFAULT]\nmain-repo = gentoo\n\n';
  s += `[${name}]\nlocation = ${r.location}\n`;
  if (r.readOnly !== false) s += 'sync-type =\nsync-uri =\nauto-sync = no\n';
  if (r.priority !== undefined) s += `priority = ${r.priority}\n`;
  if (r.masters?.length) s += `masters = ${r.masters.join(' ')}\n`;
  return s;
}

/** `binrepos.conf/<name>.conf` (docs/internals/gentoo.md#binrepos-conf). */
export function renderBinrepoConf(name: string, b: BinrepoConfEntry, contributor = '00-binfarm'): string {
  let s = `${header(contributor)}[${name}]\n`;
  if (b.priority !== undefined) s += `priority = ${b.priority}\n`;
  s += `sync-uri = ${b.syncUri}\n`;
  if (b.location) s += `location = ${b.location}\n`;
  if (b.verifySignature !== undefined) s += `verify-signature = ${b.verifySignature ? 'true' : 'false'}\n`;
  return s;
}
