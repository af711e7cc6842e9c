/** Small generated trees and a direct mountPortage driver for the tree tests. */
import type { ExecutionContext } from 'ava';
import { execa } from 'execa';
import { join } from 'node:path';
import { MountStrategyRegistry } from '../../core/tree/mount/registry.ts';
import { mountTrees } from '../../core/tree/provide.ts';
import type { SubjectBuild } from '../../core/run/context.ts';
import { generateTree, type TreeGenResult } from '../fixtures/tree-gen.ts';
import { tempDir } from '../engine/helpers.ts';
import { stage3FixtureImage } from '../fixtures/images.ts';

export async function smallTree(
  t: ExecutionContext,
  opts: { packages?: number; repoName?: string; seed?: number } = {},
): Promise<TreeGenResult & { parent: string }> {
  const parent = await tempDir(t, 'binfarm-tree-');
  const dir = join(parent, opts.repoName ?? 'gentoo');
  const r = generateTree(dir, { packages: opts.packages ?? 40, seed: opts.seed ?? 3, ...(opts.repoName ? { repoName: opts.repoName } : {}) });
  return { ...r, parent };
}

/** Runs fetchStage3's result in by hand (the fixture image) and the real mountPortage work. */
export async function mountFor(build: SubjectBuild, registry = new MountStrategyRegistry()) {
  build.baseImage ??= { ref: await stage3FixtureImage(), digest: 'fixture' };
  return mountTrees(build, registry);
}

/** Loop devices whose backing file is `file`. */
export async function loopsOf(file: string): Promise<string[]> {
  const r = await execa('losetup', ['--list', '--noheadings', '--output', 'NAME,BACK-FILE']);
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([, back]) => back === file)
    .map(([name]) => name!);
}

export async function isMounted(path: string): Promise<boolean> {
  const r = await execa('findmnt', ['--noheadings', '--mountpoint', path], { reject: false });
  return r.exitCode === 0 && r.stdout.trim() !== '';
}

/** Commits a generated tree into a new git repository; returns the commit id. */
export async function commitTree(dir: string): Promise<string> {
  const git = (args: string[]) => execa('git', ['-C', dir, '-c', 'user.name=binfarm', '-c', 'user.email=test@binfarm.invalid', ...args]);
  await git(['init', '-q']);
  await git(['add', '-A']);
  await git(['commit', '-q', '-m', 'tree']);
  return (await git(['rev-parse', 'HEAD'])).stdout.trim();
}
