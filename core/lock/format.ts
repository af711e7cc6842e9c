/**
 * `binfarm.lock`: what the last successful builds of a farm were made of, per subject — the
 * stage3 and tree identities (as core/sources/ resolves them) and the resolved packages with
 * version, USE and build id. JSON, not YAML: it round-trips exactly (YAML would read a version
 * such as `1.10` as a number unless every scalar were quoted) and needs no parser beyond
 * JSON.parse. Keys are sorted and one package is one line, so a re-lock diffs as the packages
 * that changed. See docs/lockfile.md.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { BinfarmError } from '../errors.ts';

/** The layout this binfarm reads and writes; a lock of another version is refused, never guessed at. */
export const LOCK_VERSION = 1;
export const LOCK_FILE = 'binfarm.lock';

const LockedPackageSchema = z.strictObject({
  /** The binpkg's BUILD_ID in the subject's partition (multi-instance binhost). */
  buildId: z.number().int().nonnegative().optional(),
  /** Repository the ebuild came from (Packages `REPO`). */
  repo: z.string().min(1).optional(),
  /** Enabled USE flags as the Packages index records them: sorted, space-separated. */
  use: z.string(),
});

const LockedSubjectSchema = z.strictObject({
  parent: z.string().min(1).nullable(),
  /** Content key of the locked build. */
  key: z.string().min(1),
  /** The stage3 identity the base was built from (base only). */
  stage3: z.string().min(1).optional(),
  /** Combined tree and overlay identity the subject was built under. */
  tree: z.string().min(1).optional(),
  /** `cat/pf` → what was installed. */
  packages: z.record(z.string().regex(/^[^/\s]+\/[^/\s]+$/, 'a package key must be cat/pf'), LockedPackageSchema),
});

const LockFileSchema = z.strictObject({
  lockVersion: z.literal(LOCK_VERSION),
  sources: z.strictObject({
    stage3: z.string().min(1).optional(),
    /** Repository name (`gentoo` for the tree, overlay names) → snapshot identity. */
    repos: z.record(z.string().min(1), z.string().min(1)),
  }),
  subjects: z.record(z.string().min(1), LockedSubjectSchema),
});

export type LockedPackage = z.infer<typeof LockedPackageSchema>;
export type LockedSubject = z.infer<typeof LockedSubjectSchema>;
export type LockFile = z.infer<typeof LockFileSchema>;

/** `binfarm.lock` beside the config file (the farm's root without one). */
export function lockPathOf(farm: { configFile?: string | undefined; rootDir: string }): string {
  return join(farm.configFile ? dirname(farm.configFile) : farm.rootDir, LOCK_FILE);
}

/** Sorted keys, two-space indent, each package on one line; ends with a newline. */
export function serializeLock(lock: LockFile): string {
  return `${render(lock, '', [])}\n`;
}

function render(v: unknown, indent: string, path: string[]): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  const inner = `${indent}  `;
  if (Array.isArray(v)) return `[${v.map((x) => render(x, inner, path)).join(', ')}]`;
  const obj = v as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  if (!keys.length) return '{}';
  // A package entry (subjects.<name>.packages.<cpv>) is one line: one changed package, one changed line.
  if (path.length === 4 && path[0] === 'subjects' && path[2] === 'packages') {
    return `{ ${keys.map((k) => `${JSON.stringify(k)}: ${render(obj[k], '', [])}`).join(', ')} }`;
  }
  return `{\n${keys.map((k) => `${inner}${JSON.stringify(k)}: ${render(obj[k], inner, [...path, k])}`).join(',\n')}\n${indent}}`;
}

/** Parses and checks a lock file's text; errors name the file and the key. */
export function parseLock(text: string, file: string): LockFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new BinfarmError('E_LOCKFILE', `${file} is not valid JSON: ${(e as Error).message}`, {
      hint: `Restore it from version control, or write it again with \`binfarm lock\`.`,
      cause: e,
    });
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new BinfarmError('E_LOCKFILE', `${file}: expected a JSON object with "lockVersion", "sources" and "subjects"`, {
      hint: 'Write it again with `binfarm lock`.',
    });
  }
  const version = (raw as Record<string, unknown>).lockVersion;
  if (version !== LOCK_VERSION) {
    throw new BinfarmError(
      'E_LOCKFILE',
      `${file}: key "lockVersion" is ${version === undefined ? 'missing' : JSON.stringify(version)}; this binfarm reads lock version ${LOCK_VERSION}`,
      {
        hint:
          typeof version === 'number' && version > LOCK_VERSION
            ? 'The lock was written by a newer binfarm: upgrade binfarm, or write it again with this one (`binfarm lock`).'
            : 'Write it again with `binfarm lock`.',
        details: { file, key: 'lockVersion', found: version },
      },
    );
  }
  const parsed = LockFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = [...issue.path, ...('keys' in issue && Array.isArray(issue.keys) ? [issue.keys[0]] : [])].map(String).join('.');
    throw new BinfarmError('E_LOCKFILE', `${file}: key "${key || '(top level)'}": ${issue.message}`, {
      hint: 'Fix that key, restore the file from version control, or write it again with `binfarm lock`.',
      details: { file, key, issues: parsed.error.issues.length },
    });
  }
  return parsed.data;
}

/** The lock file, or undefined when there is none. */
export async function readLock(path: string): Promise<LockFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new BinfarmError('E_LOCKFILE', `cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  return parseLock(text, path);
}
