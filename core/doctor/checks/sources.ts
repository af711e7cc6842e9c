/**
 * The farm's inputs, checked before a run needs them: the stage3 (a local image exists, a
 * registry image is present or can be pulled, a tarball path exists), the tree (a Portage
 * repository: profiles/repo_name) and the configured profile (a directory of the tree's
 * profiles/). What only a run can see (remote tarballs, trees inside images) is said as such.
 */
import { access, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import type { DoctorContext } from '../types.ts';
import { defineCheck } from '../types.ts';

type DockerLike = import('dockerode');

async function docker(ctx: DoctorContext): Promise<DockerLike | undefined> {
  try {
    const [{ resolveConnection }, { default: Docker }] = await Promise.all([import('../../engine/connect.ts'), import('dockerode')]);
    return new Docker(resolveConnection(ctx.options.docker, ctx.env, ctx.rootDir).options);
  } catch {
    return undefined;
  }
}

async function imageExists(d: DockerLike, ref: string): Promise<boolean> {
  try {
    await d.getImage(ref).inspect();
    return true;
  } catch {
    return false;
  }
}

const isUrl = (s: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(s) && !s.startsWith('file://');
const localPath = (ctx: DoctorContext, p: string) => (p.startsWith('file://') ? new URL(p).pathname : isAbsolute(p) ? p : resolve(ctx.rootDir, p));
const exists = (p: string) => access(p).then(() => true, () => false);

export const stage3Check = defineCheck({
  id: 'stage3',
  title: 'stage3',
  async run(ctx) {
    const s = ctx.options.stage3;
    if (s.type === 'tarball') {
      if (isUrl(s.src)) return { status: 'ok', summary: `tarball ${s.src} (downloaded and verified by the first run)` };
      const p = localPath(ctx, s.src);
      return (await exists(p))
        ? { status: 'ok', summary: `tarball ${p}` }
        : { status: 'fail', summary: `the stage3 tarball ${p} does not exist`, hint: 'Fix stage3.src (relative paths are resolved against the config\'s directory).' };
    }
    const d = await docker(ctx);
    if (!d) return { status: 'warn', summary: `${s.type} image ${s.image}: not checked (no Docker Engine)`, hint: 'See the Docker Engine check.' };
    if (await imageExists(d, s.image)) return { status: 'ok', summary: `${s.type} image ${s.image} is present` };
    if (s.type === 'local') {
      return {
        status: 'fail',
        summary: `the local stage3 image ${s.image} does not exist`,
        hint: 'Import one (`docker import stage3-*.tar.xz gentoo/stage3:local`), or use stage3.type "registry" or "tarball".',
      };
    }
    try {
      // The registry's manifest, without pulling the image.
      await (d.getImage(s.image) as unknown as { distribution(): Promise<unknown> }).distribution();
      return { status: 'ok', summary: `registry image ${s.image} is not present yet; the registry has it (the first run pulls it)` };
    } catch (e) {
      const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
      return {
        status: 'fail',
        summary: `registry image ${s.image} is not present and cannot be pulled: ${why}`,
        hint: 'Check the name and tag and your network or registry login; offline, use stage3.type "local" or "tarball".',
      };
    }
  },
});

export const treeCheck = defineCheck({
  id: 'tree',
  title: 'tree and profile',
  async run(ctx) {
    const t = ctx.options.tree;
    const profile = ctx.options.portage.profile;
    if (t.type === 'dir' || t.type === 'git') {
      const dir = localPath(ctx, t.path);
      if (!(await stat(dir).then((x) => x.isDirectory(), () => false))) {
        return { status: 'fail', summary: `tree.path ${dir} is not a directory`, hint: 'Fix tree.path (relative paths are resolved against the config\'s directory).' };
      }
      if (!(await exists(join(dir, 'profiles', 'repo_name')))) {
        return { status: 'fail', summary: `${dir} is not a Portage repository (no profiles/repo_name)`, hint: 'Point tree.path at the top of the tree (the directory holding profiles/ and metadata/).' };
      }
      if (!(await stat(join(dir, 'profiles', profile)).then((x) => x.isDirectory(), () => false))) {
        return {
          status: 'fail',
          summary: `profile ${profile} does not exist in the tree (${join(dir, 'profiles', profile)})`,
          hint: 'Set portage.profile to a directory under the tree\'s profiles/ (`ls profiles/default/linux/amd64/`), e.g. default/linux/amd64/23.0.',
        };
      }
      return { status: 'ok', summary: `${t.type} tree ${dir} with profile ${profile}` };
    }
    if (t.type === 'image') {
      const d = await docker(ctx);
      if (d && !(await imageExists(d, t.image))) {
        return { status: 'warn', summary: `tree image ${t.image} is not present (the first run pulls it); profile ${profile} is checked then`, hint: 'Offline, use a dir, git or snapshot tree.' };
      }
      return { status: 'ok', summary: `tree image ${t.image}; profile ${profile} is checked when it is mounted` };
    }
    if (isUrl(t.src)) return { status: 'ok', summary: `${t.type} ${t.src} (downloaded by the first run); profile ${profile} is checked then` };
    const p = localPath(ctx, t.src);
    return (await exists(p))
      ? { status: 'ok', summary: `${t.type} ${p}; profile ${profile} is checked when it is mounted` }
      : { status: 'fail', summary: `the tree ${t.type} ${p} does not exist`, hint: 'Fix tree.src (relative paths are resolved against the config\'s directory).' };
  },
});
