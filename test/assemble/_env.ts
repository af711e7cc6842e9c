/**
 * A farm for assembly tests: the busybox stage3 fixture with the fixture emerge (its
 * --usepkgonly mode installs from PKGDIR binpkgs only), a tiny tree of Gentoo's shape bound
 * read-only, and subjects whose binpkgs the assemblies use:
 *   base     the runtime of slim images (sys-apps/baselayout, virtual/libc → sys-libs/glibc) and
 *            sys-devel/gcc (whose libstdc++ the viewer needs: a soname dependency no ebuild states)
 *   science  app-misc/viewer (needs dev-libs/mylib), dev-libs/mylib, app-misc/haunted (needs
 *            dev-libs/ghost, which no subject builds), app-misc/sluggish-viewer (its merge hangs)
 *   extras   app-misc/extra-tool; never built by the tests
 * Dependencies come from the fixture-only file /etc/portage/binfarm-fixture/rdepend (the fixture
 * resolves none while building). Every image is tagged under a unique prefix and removed after.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { ConfigSchema, type BinfarmConfigInput } from '../../core/config/schema/index.ts';
import { createFarm, type Farm } from '../../core/farm.ts';
import { runFarm } from '../../core/run/runner.ts';
import { dockerForTests } from '../helpers/docker.ts';
import { emergeFixtureImage } from '../fixtures/emerge/image.ts';

export interface AssembleEnv {
  dir: string;
  prefix: string;
  config(over?: (c: BinfarmConfigInput) => void): BinfarmConfigInput;
  farm(over?: (c: BinfarmConfigInput) => void): Farm;
  cleanup(): Promise<void>;
}

export function writeTree(dir: string): void {
  const files: Record<string, string> = {
    'profiles/repo_name': 'gentoo\n',
    'profiles/default/linux/amd64/23.0/eapi': '8\n',
    'metadata/layout.conf': 'masters =\nthin-manifests = true\n',
    'app-misc/viewer/viewer-2.1.ebuild': 'EAPI=8\n',
    'dev-libs/mylib/mylib-1.4.2.ebuild': 'EAPI=8\n',
    'sys-libs/glibc/glibc-2.41-r5.ebuild': 'EAPI=8\n',
  };
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), c);
  }
}

export async function assembleEnv(name: string): Promise<AssembleEnv> {
  const dir = mkdtempSync(join(tmpdir(), `binfarm-asm-${name}-`));
  const treeDir = join(dir, 'tree');
  writeTree(treeDir);
  const prefix = `binfarm-test-asm-${name}-${process.pid}`;
  const stage3 = await emergeFixtureImage();
  const config = (over?: (c: BinfarmConfigInput) => void): BinfarmConfigInput => {
    const c: BinfarmConfigInput = {
      name: 'assemble-test',
      imagePrefix: prefix,
      stateDir: join(dir, 'state'),
      cacheDir: join(dir, 'cache'),
      stage3: { type: 'local', image: stage3 },
      tree: { type: 'dir', path: treeDir },
      mount: { strategy: 'bind' },
      run: { jobs: 2 },
      base: {
        sets: { runtime: { 'sys-apps/baselayout': {}, 'virtual/libc': {}, 'sys-libs/glibc': {} }, toolchain: { 'sys-devel/gcc': {} } },
        portage: {
          files: {
            // FIXTURE-ONLY: RDEPEND of the fixture binpkgs (see test/fixtures/emerge/emerge)
            'binfarm-fixture/rdepend': 'virtual/libc sys-libs/glibc\napp-misc/viewer >=dev-libs/mylib-1.2\napp-misc/haunted dev-libs/ghost\n',
            // FIXTURE-ONLY: PROVIDES/REQUIRES of the fixture binpkgs (Portage records them from the ELF files)
            'binfarm-fixture/sonames': [
              'dev-libs/mylib provides libmylib.so.1',
              'dev-libs/mylib requires libc.so.6',
              'app-misc/viewer requires libmylib.so.1 libc.so.6 libstdc++.so.6',
              'sys-libs/glibc provides libc.so.6 libm.so.6',
              'sys-devel/gcc provides libstdc++.so.6 libgcc_s.so.1',
              '',
            ].join('\n'),
          },
        },
      },
      subjects: {
        science: {
          sets: { science: { 'app-misc/viewer': {}, 'dev-libs/mylib': { use: ['threads'] }, 'app-misc/haunted': {}, 'app-misc/sluggish-viewer': {} } },
        },
        extras: { sets: { extras: { 'app-misc/extra-tool': {} } } },
      },
      binhost: { dir: join(dir, 'binhost') },
    };
    over?.(c);
    return c;
  };
  const farm = (over?: (c: BinfarmConfigInput) => void) => createFarm({ options: ConfigSchema.parse(config(over)), rootDir: dir, command: 'assemble' });
  return {
    dir,
    prefix,
    config,
    farm,
    async cleanup() {
      await removeImages(prefix);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Builds the science subject (and base) through the real runner; fails the test when it fails. */
export async function buildScience(t: ExecutionContext, env: AssembleEnv): Promise<void> {
  const r = await runFarm(env.farm(), { targets: ['science'] });
  if (r.status !== 'done') t.fail(`building the fixture subjects failed: ${String((r.error as Error | undefined)?.message)}`);
}

/** Removes every image tagged under `<prefix>/`. */
export async function removeImages(prefix: string): Promise<void> {
  const docker = await dockerForTests();
  const images = await docker.listImages({ filters: { label: ['binfarm.owned=1'] } });
  for (const img of images) {
    const tags = (img.RepoTags ?? []).filter((t) => t.startsWith(`${prefix}/`));
    if (!tags.length) continue;
    for (const tag of tags) await docker.getImage(tag).remove({ force: true }).catch(() => undefined);
  }
}

/** Paths in an image's filesystem (docker export of a created, never started container). */
export async function imagePaths(image: string): Promise<string[]> {
  const docker = await dockerForTests();
  const c = await docker.createContainer({ Image: image, Cmd: ['/nonexistent'], Labels: { 'binfarm.owned': '1', 'binfarm.test': 'assemble' } });
  try {
    const stream = await c.export();
    const { extract } = await import('tar-stream');
    const ex = extract();
    const names: string[] = [];
    ex.on('entry', (h, s, next) => {
      names.push(h.name.replace(/\/$/, ''));
      s.on('end', next);
      s.resume();
    });
    await new Promise<void>((resolve, reject) => {
      ex.on('finish', resolve);
      ex.on('error', reject);
      stream.pipe(ex);
    });
    return names;
  } finally {
    await c.remove({ force: true });
  }
}

/** Runs argv in a throwaway container of `image`; returns stdout. */
export async function runIn(image: string, cmd: string[]): Promise<{ code: number; out: string }> {
  const docker = await dockerForTests();
  const c = await docker.createContainer({ Image: image, Cmd: cmd, Labels: { 'binfarm.owned': '1', 'binfarm.test': 'assemble' } });
  try {
    const stream = await c.attach({ stream: true, stdout: true, stderr: true });
    const chunks: Buffer[] = [];
    const { PassThrough } = await import('node:stream');
    const out = new PassThrough();
    out.on('data', (b: Buffer) => chunks.push(b));
    c.modem.demuxStream(stream, out, out);
    await c.start();
    const { StatusCode } = (await c.wait()) as { StatusCode: number };
    await new Promise((r) => setTimeout(r, 50));
    return { code: StatusCode, out: Buffer.concat(chunks).toString('utf8') };
  } finally {
    await c.remove({ force: true });
  }
}
