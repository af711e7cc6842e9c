/**
 * Builds the tree index of a repository directory (a `dir` source, or a snapshot extracted once
 * per digest). Categories come from profiles/categories (plus `virtual`) when present, else from
 * top-level directory names of Gentoo's `cat-egory` shape. Every package dir is read once.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, lstat, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { inheritLines, md5CacheEclasses } from './inherits.ts';
import { TREE_INDEX_VERSION, type EclassEntry, type PackageEntry, type RepoIndex } from './types.ts';

/**
 * Left out of the profiles digest: package moves (profiles/updates: they rename installed
 * packages, and a moved package's own dir change is seen anyway) and files that only describe
 * (USE and USE_EXPAND descriptions, `emerge --info` lists). Everything else under profiles/
 * (masks, USE forces, make.defaults, package.use, categories, licence groups...) and
 * metadata/layout.conf count.
 */
export const PROFILES_EXCLUDED = ['updates/', 'desc/', 'use.desc', 'use.local.desc', 'info_pkgs', 'info_vars', 'arch.desc'];
/** Files in a package dir that do not change what gets built. */
const PACKAGE_EXCLUDED = new Set(['metadata.xml']);
const CATEGORY = /^[a-z0-9][a-z0-9+_.]*-[a-z0-9+_.-]+$/;
const NOT_CATEGORIES = new Set(['eclass', 'profiles', 'metadata', 'licenses', 'scripts', 'distfiles', 'packages']);

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

export async function buildRepoIndex(dir: string, digest: string): Promise<RepoIndex> {
  const packages: Record<string, PackageEntry> = {};
  const cats = await categories(dir);
  const jobs: Array<() => Promise<void>> = [];
  for (const cat of cats) {
    const names = await readdir(join(dir, cat), { withFileTypes: true }).catch(() => []);
    for (const e of names) {
      if (!e.isDirectory()) continue;
      const cpn = `${cat}/${e.name}`;
      jobs.push(async () => {
        const entry = await indexPackage(dir, cat, e.name);
        if (entry) packages[cpn] = entry;
      });
    }
  }
  await pool(jobs, 32);
  return {
    version: TREE_INDEX_VERSION,
    digest,
    packages: sortKeys(packages),
    eclasses: await indexEclasses(dir),
    profiles: await profilesDigest(dir),
  };
}

async function categories(dir: string): Promise<string[]> {
  const listed = await readFile(join(dir, 'profiles', 'categories'), 'utf8').then(
    (t) => t.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')),
    () => undefined,
  );
  const top = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  const present = new Set(top);
  const cats = listed ? [...listed, 'virtual'].filter((c) => present.has(c)) : top.filter((n) => (CATEGORY.test(n) || n === 'virtual') && !NOT_CATEGORIES.has(n));
  return [...new Set(cats)].sort();
}

async function indexPackage(dir: string, cat: string, pn: string): Promise<PackageEntry | undefined> {
  const pkgDir = join(dir, cat, pn);
  const files = await walkFiles(pkgDir, '');
  const h = createHash('sha256');
  const versions: string[] = [];
  const eclasses = new Set<string>();
  let ebuilds = 0;
  for (const f of files) {
    if (PACKAGE_EXCLUDED.has(f.rel)) continue;
    h.update(`${f.rel}\0${f.exec ? 'x' : '-'}\0${f.link ?? sha(f.content!)}\n`);
    const m = !f.rel.includes('/') && f.rel.startsWith(`${pn}-`) && f.rel.endsWith('.ebuild') ? f.rel.slice(pn.length + 1, -7) : undefined;
    if (m === undefined || !f.content) continue;
    ebuilds++;
    versions.push(m);
    const cache = await readFile(join(dir, 'metadata', 'md5-cache', cat, `${pn}-${m}`), 'utf8').catch(() => undefined);
    for (const e of md5CacheEclasses(cache, f.content) ?? inheritLines(f.content.toString('utf8'))) eclasses.add(e);
  }
  if (!ebuilds && !files.some((f) => f.rel === 'Manifest')) return undefined; // not a package dir
  return { d: h.digest('hex'), v: versions.sort(), e: [...eclasses].sort() };
}

interface FileRec {
  rel: string;
  exec: boolean;
  content?: Buffer;
  link?: string;
}

async function walkFiles(abs: string, rel: string): Promise<FileRec[]> {
  const out: FileRec[] = [];
  const entries = (await readdir(abs, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = join(abs, e.name);
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await walkFiles(p, r)));
    else if (e.isSymbolicLink()) out.push({ rel: r, exec: false, link: `->${await readlink(p)}` });
    else if (e.isFile()) {
      const [content, st] = await Promise.all([readFile(p), lstat(p)]);
      out.push({ rel: r, exec: (st.mode & 0o111) !== 0, content });
    }
  }
  return out;
}

async function indexEclasses(dir: string): Promise<Record<string, EclassEntry>> {
  const out: Record<string, EclassEntry> = {};
  const names = (await readdir(join(dir, 'eclass')).catch(() => [] as string[])).filter((n) => n.endsWith('.eclass')).sort();
  await Promise.all(
    names.map(async (n) => {
      const content = await readFile(join(dir, 'eclass', n));
      const name = n.slice(0, -7);
      out[name] = { d: sha(content), i: inheritLines(content.toString('utf8')).filter((e) => e !== name) };
    }),
  );
  return sortKeys(out);
}

async function profilesDigest(dir: string): Promise<string> {
  const h = createHash('sha256');
  const files = await walkFiles(join(dir, 'profiles'), '').catch(() => [] as FileRec[]);
  for (const f of files) {
    if (PROFILES_EXCLUDED.some((x) => (x.endsWith('/') ? f.rel.startsWith(x) : f.rel === x))) continue;
    h.update(`profiles/${f.rel}\0${f.link ?? sha(f.content!)}\n`);
  }
  const layout = await readFile(join(dir, 'metadata', 'layout.conf')).catch(() => undefined);
  if (layout) h.update(`metadata/layout.conf\0${sha(layout)}\n`);
  return h.digest('hex');
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]!]));
}

async function pool(jobs: Array<() => Promise<void>>, n: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) await jobs[next++]!();
  };
  await Promise.all(Array.from({ length: Math.min(n, jobs.length) }, worker));
}
