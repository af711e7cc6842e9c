import { BinfarmError, isBinfarmError } from '../../errors.ts';
import { absolutePath, checkRenderedKey, PORTAGE_DIR, symlinkTarget } from '../render/conventions.ts';
import { getStrategy, type FileOp, type PatchStrategy, type StrategyChooser, type StrategyTools } from '../strategy.ts';
import { mergeIntoExisting } from '../makeconf/merge-existing.ts';
import { unifiedDiff } from '../diff.ts';

/** The helpers every strategy gets. */
export const STRATEGY_TOOLS: StrategyTools = { mergeMakeConf: mergeIntoExisting, unifiedDiff };
import type { ImageState } from './state.ts';

/** A file of a subject's root overlay directory, to be copied into the image. */
export interface OverlayFile {
  /** Absolute path in the image. */
  path: string;
  content?: Uint8Array;
  mode?: number;
  /** Set for a symbolic link. */
  symlink?: string;
  /** The overlay directory it comes from (for messages). */
  from: string;
}

export interface ApplyPlanInput {
  /** Rendered files (render/conventions.ts keys). */
  files: ReadonlyMap<string, string>;
  overlays?: readonly OverlayFile[];
  /** The image as it is now; updated as the plan is made. */
  state: ImageState;
  strategies: Record<string, PatchStrategy>;
  choose: StrategyChooser;
  /** Remove every binrepos.conf entry binfarm did not render (the stage3's points at the internet). */
  removeStage3Binrepos: boolean;
}

export interface ApplyPlan {
  ops: FileOp[];
  log: string[];
}

/** /etc/portage entries binfarm writes as directories; a stage3 may have them as files. */
const DIRECTORY_KINDS = [
  'make.conf',
  'package.use',
  'package.accept_keywords',
  'package.license',
  'package.mask',
  'package.unmask',
  'package.env',
  'repos.conf',
  'binrepos.conf',
  'env',
  'sets',
  'patches',
  'profile',
];
/** Name a pre-existing file gets inside the directory that replaces it: sorts before 00-binfarm. */
export const PREEXISTING_NAME = '00-0-stage3';

/**
 * Decides every file operation of the applyPatches phase, without touching the image:
 * 1. an /etc/portage entry that binfarm needs as a directory but the image has as a file is
 *    turned into a directory, keeping the old content as `<dir>/00-0-stage3[.conf]`;
 * 2. with removeStage3Binrepos, binrepos.conf entries binfarm did not render are removed;
 * 3. each rendered file goes through its strategy (config globs, then defaults);
 * 4. the overlay files are copied over (overwrite by default, or the strategy their path chooses).
 */
export function planApply(input: ApplyPlanInput): ApplyPlan {
  const { state } = input;
  const ops: FileOp[] = [];
  const log: string[] = [];
  const run = (op: FileOp) => {
    ops.push(op);
    state.apply(op);
  };

  const topLevel = new Set([...input.files.keys()].filter((k) => !k.startsWith('/') && k.includes('/')).map((k) => k.split('/')[0]!));
  for (const dir of DIRECTORY_KINDS) {
    if (!topLevel.has(dir)) continue;
    const abs = `${PORTAGE_DIR}/${dir}`;
    const e = state.get(abs);
    if (e?.kind !== 'file' && e?.kind !== 'symlink') continue;
    run({ op: 'remove', path: abs });
    if (dir === 'binrepos.conf' && input.removeStage3Binrepos) {
      log.push(`removed ${abs}: the image's binary repositories point at the internet (portage.removeStage3Binrepos)`);
      continue;
    }
    if (e.kind === 'file') {
      const suffix = ['make.conf', 'repos.conf', 'binrepos.conf'].includes(dir) ? '.conf' : '';
      run({ op: 'write', path: `${abs}/${PREEXISTING_NAME}${suffix}`, content: e.content });
      log.push(`${abs} was a file: it is now a directory, the old content kept as ${abs}/${PREEXISTING_NAME}${suffix}`);
    } else {
      log.push(`${abs} was a symbolic link to ${e.target}: replaced by a directory`);
    }
  }

  if (input.removeStage3Binrepos) {
    const dir = `${PORTAGE_DIR}/binrepos.conf`;
    for (const name of [...state.children(dir)].sort()) {
      const key = `binrepos.conf/${name}`;
      if (input.files.has(key)) continue;
      run({ op: 'remove', path: `${dir}/${name}` });
      log.push(`removed ${dir}/${name}: binfarm works offline (portage.removeStage3Binrepos)`);
    }
    if (state.get(dir)?.kind === 'file') {
      run({ op: 'remove', path: dir });
      log.push(`removed ${dir} (portage.removeStage3Binrepos)`);
    }
  }

  for (const [key, content] of input.files) applyOne(input, key, absolutePath(checkRenderedKey(key)), content, run, log);

  for (const f of input.overlays ?? []) {
    const key = f.path.startsWith(`${PORTAGE_DIR}/`) ? f.path.slice(PORTAGE_DIR.length + 1) : f.path;
    const { strategy } = input.choose(key);
    if (strategy === 'overwrite' || f.symlink !== undefined) {
      if (sameAsImage(state, f)) continue;
      if (f.symlink !== undefined) run({ op: 'symlink', path: f.path, target: f.symlink });
      else run({ op: 'write', path: f.path, content: f.content ?? new Uint8Array(), ...(f.mode !== undefined ? { mode: f.mode } : {}) });
      log.push(`overlay ${f.from}: ${f.path}`);
      continue;
    }
    applyOne(input, key, f.path, Buffer.from(f.content ?? new Uint8Array()).toString('utf8'), run, log, `overlay ${f.from}`);
  }
  return { ops, log };
}

function applyOne(input: ApplyPlanInput, key: string, path: string, content: string, run: (op: FileOp) => void, log: string[], source?: string): void {
  const { strategy: name, rule } = input.choose(key);
  const strategy = getStrategy(input.strategies, name, key, rule);
  const slash = path.lastIndexOf('/');
  const existingEntry = input.state.get(path);
  if (symlinkTarget(content) === undefined && existingEntry?.kind === 'dir') {
    throw new BinfarmError('E_PORTAGE_CONFLICT', `${path} is a directory in the image, but binfarm renders a file there`, {
      hint: 'Remove the directory in an overlay, or render the content into a file inside it.',
    });
  }
  let result;
  try {
    result = strategy.apply({
      key,
      path,
      content,
      existing: existingEntry?.kind === 'symlink' ? `symlink:${existingEntry.target}` : input.state.text(path),
      siblings: input.state.children(path.slice(0, slash) || '/'),
      tools: STRATEGY_TOOLS,
    });
  } catch (e) {
    if (isBinfarmError(e)) throw e;
    throw new BinfarmError(
      'E_PLUGIN',
      `patch strategy "${name}" failed on ${path}${source ? ` (${source})` : ''}: ${e instanceof Error ? e.message : String(e)}`,
      {
        cause: e,
        hint: `It was chosen by portage.strategies["${rule}"]; choose another strategy for this path.`,
      },
    );
  }
  for (const op of result.ops) run(op);
  log.push(...result.log);
}

function sameAsImage(state: ImageState, f: OverlayFile): boolean {
  const e = state.get(f.path);
  if (f.symlink !== undefined) return e?.kind === 'symlink' && e.target === f.symlink;
  if (e?.kind !== 'file' || (f.mode !== undefined && e.mode !== undefined && (e.mode & 0o7777) !== f.mode)) return false;
  return Buffer.from(e.content).equals(Buffer.from(f.content ?? new Uint8Array()));
}
