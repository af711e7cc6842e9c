import { lstat, mkdir, readdir, readFile, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { BinfarmError } from '../errors.ts';
import type { PortageContext } from '../types.ts';
import { SUBJECT_CONTEXT_DIR, type Subject } from '../subject/types.ts';
import { tempSibling } from '../util/fs.ts';
import { collectOverlayFiles } from './apply/overlays.ts';
import { planApply } from './apply/plan.ts';
import { ImageState, type ImageEntry } from './apply/state.ts';
import { unifiedDiff } from './diff.ts';
import { renderSubject } from './render-subject.ts';
import { resolveStrategies, strategyChooser } from './strategy.ts';

/** Marks a directory as binfarm's render output, so that re-rendering may replace it. */
export const RENDER_MARKER = '.binfarm-render';

export interface RenderToDirResult {
  outDir: string;
  /** Files, links included, written under outDir. */
  paths: string[];
  /** Unified diff against the previous render (with `diff`); '' when nothing changed or there was no previous render. */
  diff?: string;
  /** Whether outDir held a previous render. */
  hadPrevious: boolean;
}

/**
 * Writes the full tree a subject's build container gets — the rendered /etc/portage (and the
 * custom profile's repository), the subject's root overlays and its build context — into `outDir`, as it would
 * look when applied to an empty image. The tree is built in a temporary sibling and renamed
 * into place, so outDir never holds a half-written render. With `diff`, returns a unified diff
 * against the previous render in outDir.
 */
export async function renderSubjectToDir(
  farm: PortageContext,
  subjectOrName: Subject | string,
  outDirArg: string,
  opts: { diff?: boolean } = {},
): Promise<RenderToDirResult> {
  const subject = typeof subjectOrName === 'string' ? farm.subject(subjectOrName) : subjectOrName;
  const outDir = resolve(outDirArg);
  const previous = await inspectOutDir(outDir);

  const { files, model } = await renderSubject(farm, subject);
  const overlays = await collectOverlayFiles(farm.rootDir, subject.overlays, subject.name);
  // the subject's build context lands in the image too (the applyPatches phase copies it)
  if (subject.context) overlays.push(...(await collectOverlayFiles(farm.rootDir, [subject.context], subject.name, SUBJECT_CONTEXT_DIR)));
  const state = new ImageState();
  planApply({
    files,
    overlays,
    state,
    strategies: resolveStrategies(farm),
    choose: strategyChooser(farm.options.portage.strategies),
    removeStage3Binrepos: model.removeStage3Binrepos,
  });

  const tmp = tempSibling(outDir);
  await mkdir(dirname(outDir), { recursive: true });
  try {
    await writeTree(tmp, state.entries);
    await writeFile(join(tmp, RENDER_MARKER), `binfarm render of subject ${subject.name}\n`);
    // without a previous render there is nothing to compare with: '' (and hadPrevious false)
    const diff = opts.diff ? (previous ? diffTrees(await readTree(outDir), await readTree(tmp)) : '') : undefined;
    if (previous) {
      const old = tempSibling(outDir);
      await rename(outDir, old);
      await rename(tmp, outDir);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(tmp, outDir);
    }
    return { outDir, paths: [...state.entries.keys()].sort(), hadPrevious: previous, ...(diff !== undefined ? { diff } : {}) };
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** true: a previous render; false: nothing there; throws when it is something else. */
async function inspectOutDir(outDir: string): Promise<boolean> {
  try {
    await lstat(outDir);
  } catch {
    return false;
  }
  const entries = await readdir(outDir).catch(() => {
    throw new BinfarmError('E_USAGE', `--out ${outDir} exists and is not a directory`);
  });
  if (entries.length === 0) return false;
  if (!entries.includes(RENDER_MARKER)) {
    throw new BinfarmError('E_USAGE', `refusing to replace ${outDir}: it is not empty and holds no previous binfarm render (no ${RENDER_MARKER})`, {
      hint: 'Choose a new or empty directory for --out.',
    });
  }
  return true;
}

async function writeTree(root: string, entries: Map<string, ImageEntry>): Promise<void> {
  await mkdir(root, { recursive: true });
  for (const [path, e] of [...entries].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const target = join(root, path);
    await mkdir(dirname(target), { recursive: true });
    if (e.kind === 'dir') await mkdir(target, { recursive: true });
    else if (e.kind === 'symlink') await symlink(e.target, target);
    else await writeFile(target, e.content, { mode: e.mode ?? 0o644 });
  }
}

/** path (relative) → file content or `-> target` for links. */
async function readTree(root: string): Promise<Map<string, Buffer | string>> {
  const out = new Map<string, Buffer | string>();
  const walk = async (rel: string) => {
    for (const name of (await readdir(join(root, rel))).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      if (r === RENDER_MARKER) continue;
      const st = await lstat(join(root, r));
      if (st.isDirectory()) await walk(r);
      else if (st.isSymbolicLink()) out.set(r, `-> ${await readlink(join(root, r))}`);
      else out.set(r, await readFile(join(root, r)));
    }
  };
  await walk('');
  return out;
}

function diffTrees(before: Map<string, Buffer | string>, after: Map<string, Buffer | string>): string {
  let out = '';
  for (const p of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const a = before.get(p);
    const b = after.get(p);
    if (a !== undefined && b !== undefined && (typeof a === 'string' ? a === b : Buffer.isBuffer(b) && a.equals(b))) continue;
    const text = (v: Buffer | string | undefined) => (v === undefined ? undefined : typeof v === 'string' ? `${v}\n` : v.toString('utf8'));
    if ([a, b].some((v) => Buffer.isBuffer(v) && v.includes(0))) {
      out += `Binary files a/${p} and b/${p} differ\n`;
      continue;
    }
    out += unifiedDiff(text(a), text(b), `a/${p}`, `b/${p}`);
  }
  return out;
}
