import test from 'ava';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { renderSubjectToDir, RENDER_MARKER } from '../../core/portage/render-to-dir.ts';
import type { BinfarmError } from '../../core/errors.ts';
import { SUBJECT_CONTEXT_DIR } from '../../core/subject/types.ts';
import { FULL } from './configs.ts';
import { farmOf, FIXTURES } from './helpers.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

async function tmp(t: import('ava').ExecutionContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'binfarm-render-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('writes /etc/portage, the profile repository and the subject\'s overlays; links and modes kept', async (t) => {
  const out = join(await tmp(t), 'out');
  const r = await renderSubjectToDir(farmOf(FULL), 'hep-root', out);
  t.false(r.hadPrevious);
  t.is(r.diff, undefined);
  t.true(r.paths.includes('/etc/portage/make.conf'));
  t.is(await readlink(join(out, 'etc/portage/make.profile')), '../../var/db/repos/binfarm-local/profiles/binfarm/amd64/23.0/opt');
  t.is(await readFile(join(out, 'var/db/repos/binfarm-local/profiles/repo_name'), 'utf8'), 'binfarm-local\n');
  t.regex(await readFile(join(out, 'etc/portage/package.use/52-hep-root'), 'utf8'), /sci-physics\/root -pythia8 xrootd/);
  // the subject's own overlay (root.01.d), with its modes and links
  t.is(await readFile(join(out, 'etc/profile.d/hep.sh'), 'utf8'), 'export ROOTSYS=/usr/lib64/root\n');
  t.is((await lstat(join(out, 'usr/local/bin/hep-env'))).mode & 0o777, 0o755);
  t.is(await readlink(join(out, 'etc/hep.sh')), 'profile.d/hep.sh');
  t.is((await lstat(join(out, 'etc/portage/make.conf'))).mode & 0o777, 0o644);
  t.truthy(await readFile(join(out, RENDER_MARKER), 'utf8'));
});

test('the subject\'s build context is part of the tree, where the phase puts it', async (t) => {
  const out = join(await tmp(t), 'out');
  await renderSubjectToDir(farmOf({ subjects: { lab: { context: 'context.01.d' } } }), 'lab', out);
  t.is(await readFile(join(out, SUBJECT_CONTEXT_DIR.slice(1), 'smoke/hello.C'), 'utf8'), 'void hello() {}\n');
});

test('re-rendering replaces the tree atomically and --diff shows what changed', async (t) => {
  const parent = await tmp(t);
  const out = join(parent, 'out');
  const first = await renderSubjectToDir(farmOf(FULL), 'hep-core', out, { diff: true });
  t.false(first.hadPrevious);
  t.is(first.diff, '', 'nothing to compare with');
  await writeFile(join(out, 'etc/portage/stale-file'), 'from an older render\n');

  const same = await renderSubjectToDir(farmOf(FULL), 'hep-core', out, { diff: true });
  t.true(same.hadPrevious);
  t.is(same.diff, '--- a/etc/portage/stale-file\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-from an older render\n');
  await t.throwsAsync(lstat(join(out, 'etc/portage/stale-file')), undefined, 'the old tree is gone, not merged');

  const changed = { ...FULL, portage: { ...FULL.portage, makeopts: '-j16' } };
  const r = await renderSubjectToDir(farmOf(changed), 'hep-core', out, { diff: true });
  t.regex(r.diff!, /^--- a\/etc\/portage\/make\.conf\n\+\+\+ b\/etc\/portage\/make\.conf\n@@ -\d+,7 \+\d+,7 @@\n/);
  t.regex(r.diff!, /^-MAKEOPTS="-j4 -l4"\n\+MAKEOPTS="-j16"$/m);
  t.deepEqual((await readdir(parent)).sort(), ['out'], 'no temporary directories left behind');
});

test('refuses to replace a directory that is not a render', async (t) => {
  const dir = await tmp(t);
  await writeFile(join(dir, 'precious.txt'), 'keep me');
  const e = (await t.throwsAsync(renderSubjectToDir(farmOf({}), 'base', dir))) as BinfarmError;
  t.is(e.code, 'E_USAGE');
  t.regex(e.message, /refusing to replace .*: it is not empty and holds no previous binfarm render/);
  t.is(await readFile(join(dir, 'precious.txt'), 'utf8'), 'keep me');
  // an empty directory is fine
  const empty = join(dir, 'empty');
  await mkdir(empty);
  await t.notThrowsAsync(renderSubjectToDir(farmOf({}), 'base', empty));
});

test('a failed render leaves the previous one in place', async (t) => {
  const out = join(await tmp(t), 'out');
  await renderSubjectToDir(farmOf({}), 'base', out);
  const before = await readFile(join(out, 'etc/portage/make.conf'), 'utf8');
  await t.throwsAsync(renderSubjectToDir(farmOf({ base: { overlays: ['no-such-dir'] } }), 'base', out), {
    message: /overlay directory "no-such-dir" does not exist/,
  });
  t.is(await readFile(join(out, 'etc/portage/make.conf'), 'utf8'), before);
  t.deepEqual(await readdir(dirname(out)), ['out']);
});

test('binfarm render on the command line (config file, --set, --diff, --json)', async (t) => {
  const dir = await tmp(t);
  const config = join(dir, 'binfarm.config.ts');
  await writeFile(
    config,
    `export default {\n  base: { overlays: [${JSON.stringify(join(FIXTURES, 'root.00.d'))}], sets: { 'hf-base': { 'app-admin/sudo': { use: ['ldap'] } } } },\n};\n`,
  );
  const run = promisify(execFile);
  const bin = join(REPO, 'bin/binfarm.js');
  const first = await run(process.execPath, [bin, '--config', config, 'render', 'base', '--out', 'tree'], { cwd: dir });
  t.regex(first.stdout, /rendered subject "base": \d+ files into .*\/tree/);
  t.regex(await readFile(join(dir, 'tree/etc/portage/package.use/50-base'), 'utf8'), /app-admin\/sudo ldap/);
  t.truthy(await readFile(join(dir, 'tree/etc/portage/env/no-tmpfs.conf'), 'utf8'));
  const second = await run(process.execPath, [bin, '--config', config, '--set', 'portage.makeopts=-j3', 'render', 'base', '--out', 'tree', '--diff'], {
    cwd: dir,
  });
  t.regex(second.stdout, /^\+MAKEOPTS="-j3"$/m);
  const json = await run(process.execPath, [bin, '--config', config, '--json', 'render', 'base', '--out', 'tree', '--diff'], { cwd: dir });
  const parsed = JSON.parse(json.stdout.trim().split('\n').at(-1)!);
  t.like(parsed, { subject: 'base', hadPrevious: true });
  t.regex(parsed.diff, /^-MAKEOPTS="-j3"$/m);
  const unknown = (await run(process.execPath, [bin, '--config', config, 'render', 'nope', '--out', 'x'], { cwd: dir }).catch((e: unknown) => e)) as {
    code: number;
    stderr: string;
  };
  t.is(unknown.code, 2);
  t.regex(unknown.stderr, /unknown subject "nope"/);
});
