/**
 * A git checkout: the tree of one commit (`ref`, default HEAD), streamed by `git archive` into
 * tar2sqfs. Uncommitted changes are not part of it. Digest: `git:<commit id>`.
 */
import { resolve } from 'node:path';
import { BinfarmError } from '../../errors.ts';
import { processProducer } from '../squashfs-build.ts';
import { missingRepoName } from '../validate.ts';
import { cachedSquashfs } from './common.ts';
import type { TreeArtifact, TreeContext } from './types.ts';

export async function gitTree(src: { path: string; ref: string }, ctx: TreeContext): Promise<TreeArtifact> {
  const { execa } = await import('execa');
  const repo = resolve(ctx.rootDir, src.path);
  if (src.ref.startsWith('-')) {
    throw new BinfarmError('E_TREE', `${ctx.what}: "${src.ref}" is not a git ref`, { hint: 'Use a branch, tag or commit id.' });
  }
  const rev = await execa('git', ['-C', repo, 'rev-parse', '--verify', '--quiet', `${src.ref}^{commit}`], { reject: false });
  if (rev.exitCode !== 0) {
    const notRepo = /not a git repository|No such file/i.test(rev.stderr);
    throw new BinfarmError(
      'E_TREE',
      notRepo ? `${ctx.what}: ${repo} is not a git repository` : `${ctx.what}: ref "${src.ref}" does not name a commit in ${repo}`,
      {
        hint: notRepo ? 'Set the path to a git checkout, or use type "dir".' : 'Check the branch, tag or commit id (`git -C <path> log --oneline`).',
      },
    );
  }
  const commit = rev.stdout.trim();
  const name = await execa('git', ['-C', repo, 'show', `${commit}:profiles/repo_name`], { reject: false });
  if (name.exitCode !== 0 || !name.stdout.trim()) throw missingRepoName(ctx.what, `${repo} at ${commit.slice(0, 12)}`);
  return cachedSquashfs(ctx, `git:${commit}`, `${repo}@${commit.slice(0, 12)}`, async () => ({
    producer: await processProducer('git', ['-C', repo, 'archive', '--format=tar', commit], `${repo}@${commit.slice(0, 12)}`),
  }));
}
