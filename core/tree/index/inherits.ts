/**
 * Which eclasses an ebuild or eclass inherits. Portage's md5-cache entry
 * (`metadata/md5-cache/<cat>/<pf>`) lists every eclass the ebuild ended up inheriting, recursively,
 * in `_eclasses_=name<TAB>md5<TAB>name<TAB>md5...`; it is valid when its `_md5_` is the ebuild's md5.
 * Without a valid entry the `inherit` lines are read (conditional inherits included: a superset,
 * so a change is never missed); eclasses are then followed recursively by the slice.
 */
import { createHash } from 'node:crypto';

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;

/** Eclass names of `inherit` commands in shell text (line continuations joined, comments dropped). */
export function inheritLines(text: string): string[] {
  const out = new Set<string>();
  const joined = text.replace(/\\\n/g, ' ');
  for (const raw of joined.split('\n')) {
    const line = raw.replace(/(^|\s)#.*$/, '');
    const re = /(?:^|[;&|({]\s*|\bthen\s+|\bdo\s+)inherit\s+([^;&|#)}]+)/g;
    for (let m = re.exec(line.trim()); m; m = re.exec(line.trim())) {
      for (const tok of m[1]!.trim().split(/\s+/)) if (NAME.test(tok)) out.add(tok);
    }
  }
  return [...out].sort();
}

/** `_eclasses_` of an md5-cache entry when its `_md5_` matches the ebuild; undefined otherwise. */
export function md5CacheEclasses(cacheEntry: string | undefined, ebuild: Buffer): string[] | undefined {
  if (cacheEntry === undefined) return undefined;
  let md5: string | undefined;
  let eclasses: string | undefined;
  for (const line of cacheEntry.split('\n')) {
    if (line.startsWith('_md5_=')) md5 = line.slice(6).trim();
    else if (line.startsWith('_eclasses_=')) eclasses = line.slice(11);
  }
  if (!md5 || md5 !== createHash('md5').update(ebuild).digest('hex')) return undefined;
  if (!eclasses?.trim()) return [];
  const parts = eclasses.trim().split('\t');
  const names: string[] = [];
  for (let i = 0; i < parts.length; i += 2) if (parts[i]) names.push(parts[i]!);
  return names.sort();
}
