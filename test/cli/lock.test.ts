/**
 * `binfarm lock`, `run --locked` and the lock drift of `plan`, as a user types them (real dockerd,
 * the fixture emerge, a `dir` tree): a lock after a run; a locked run passes when nothing changed;
 * a USE change in the config fails the locked run at `emerge --pretend`, naming the package, with
 * nothing built; a new version in the tree shows as drift in `plan --json` and fails the locked
 * run naming the tree, both identities and the package.
 */
import test from 'ava';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configTs, makeProject } from '../config/_project.ts';
import { emergeFixtureImage } from '../fixtures/emerge/image.ts';
import { removeImages, writeTree } from '../assemble/_env.ts';
import { cli } from './_cli.ts';

test.serial('lock after a run; run --locked passes unchanged, fails on a USE change (pretend) and on a tree version bump; plan shows the drift', async (t) => {
  t.timeout(20 * 60_000);
  const stage3 = await emergeFixtureImage();
  const prefix = `binfarm-test-lock-${process.pid}`;
  t.teardown(() => removeImages(prefix));
  const dir = makeProject(t, {});
  writeTree(join(dir, 'tree'));
  const config = (mylibUse: string[]) => `{
    imagePrefix: ${JSON.stringify(prefix)},
    cacheDir: 'cache',
    stage3: { type: 'local', image: ${JSON.stringify(stage3)} },
    tree: { type: 'dir', path: 'tree' },
    mount: { strategy: 'bind' },
    base: { sets: { b: { 'app-misc/viewer': { use: ['nls'] } } } },
    subjects: { science: { sets: { science: { 'dev-libs/mylib': { use: ${JSON.stringify(mylibUse)} } } } } },
  }`;
  writeFileSync(join(dir, 'binfarm.config.ts'), configTs(config(['python'])));
  const lockFile = join(dir, 'binfarm.lock');
  const run = (...args: string[]) => cli(['run', '--renderer', 'simple', ...args], { cwd: dir, timeout: 600_000 });

  // No lock yet: --locked says which file it needs.
  const none = await run('--locked');
  t.is(none.exitCode, 1);
  t.true(none.stderr.includes(`run --locked needs ${lockFile}`), none.stderr);

  const r1 = await run();
  t.is(r1.exitCode, 0, r1.stderr);
  const l1 = await cli(['lock'], { cwd: dir });
  t.is(l1.exitCode, 0, l1.stderr);
  t.regex(l1.stdout, /wrote .*binfarm\.lock: 2 subject\(s\), 2 package\(s\)/);
  const text = readFileSync(lockFile, 'utf8');
  const lock = JSON.parse(text) as { lockVersion: number; sources: { stage3: string; repos: Record<string, string> }; subjects: Record<string, any> };
  t.is(lock.lockVersion, 1);
  t.regex(lock.sources.stage3, /^sha256:/);
  t.regex(lock.sources.repos.gentoo!, /^sha256:/);
  t.deepEqual(Object.keys(lock.subjects), ['base', 'science']);
  t.is(lock.subjects.base.stage3, lock.sources.stage3);
  t.is(lock.subjects.science.tree, lock.sources.repos.gentoo!);
  t.deepEqual(lock.subjects.science.packages, { 'dev-libs/mylib-1.4.2': { buildId: 1, repo: 'gentoo', use: 'python' } });
  t.deepEqual(Object.keys(lock.subjects.base.packages), ['app-misc/viewer-2.1']);
  t.true(text.includes('"dev-libs/mylib-1.4.2": { "buildId": 1, "repo": "gentoo", "use": "python" }'), 'one package, one line');
  // Deterministic: locking again writes the same bytes; --check agrees.
  const l2 = await cli(['lock'], { cwd: dir });
  t.regex(l2.stdout, /^unchanged /);
  t.is(readFileSync(lockFile, 'utf8'), text);
  t.is((await cli(['lock', '--check'], { cwd: dir })).exitCode, 0);

  const r2 = await run('--locked');
  t.is(r2.exitCode, 0, r2.stderr);
  t.regex(r2.stdout + r2.stderr, /built 0|0 built/);
  const p0 = JSON.parse((await cli(['plan', '--json'], { cwd: dir })).stdout) as { lock: { sources: unknown[]; subjects: unknown[] } };
  t.deepEqual(p0.lock.sources, []);
  t.deepEqual(p0.lock.subjects, []);

  // A USE change: science is stale; the locked run stops at emerge --pretend, before building it.
  const scienceState = readFileSync(join(dir, '.binfarm', 'subjects', 'science.json'), 'utf8');
  writeFileSync(join(dir, 'binfarm.config.ts'), configTs(config(['python', 'doc'])));
  const r3 = await run('--locked');
  t.is(r3.exitCode, 1, r3.stdout);
  t.true(r3.stderr.includes('Portage would resolve subject "science" differently'), r3.stderr);
  t.true(r3.stderr.includes('dev-libs/mylib-1.4.2: USE locked "python", Portage would use +doc'), r3.stderr);
  t.is(readFileSync(join(dir, '.binfarm', 'subjects', 'science.json'), 'utf8'), scienceState, 'nothing recorded');
  const lastRun = readdirSync(join(dir, '.binfarm', 'runs'))
    .filter((n) => /^\d{8}-/.test(n))
    .sort()
    .at(-1)!;
  const calls = readFileSync(join(dir, '.binfarm', 'runs', lastRun, 'portage-logs', 'science', 'binfarm-fixture', 'calls.log'), 'utf8');
  const emerges = calls.split('call emerge').slice(1);
  t.true(emerges.length > 0 && emerges.every((c) => c.includes('\narg --pretend\n')), 'emerge ran only with --pretend: nothing built');
  writeFileSync(join(dir, 'binfarm.config.ts'), configTs(config(['python'])));

  // A new version in the tree: plan shows the drift, the locked run fails naming the package.
  writeFileSync(join(dir, 'tree/dev-libs/mylib/mylib-1.5.ebuild'), 'EAPI=8\n');
  const plan = await cli(['plan'], { cwd: dir });
  t.is(plan.exitCode, 0, plan.stderr);
  t.regex(plan.stdout, /lock drift \(.*binfarm\.lock\):/);
  t.regex(plan.stdout, /the tree: locked sha256:\w+, now resolves to sha256:\w+/);
  t.regex(plan.stdout, /science: dev-libs\/mylib: locked 1\.4\.2, the tree now also has 1\.5/);
  const pj = JSON.parse((await cli(['plan', '--json'], { cwd: dir })).stdout) as {
    lock: { sources: Array<{ source: string; locked: string; now: string }>; subjects: Array<{ subject: string; tree: string[] }> };
  };
  t.is(pj.lock.sources[0]!.source, 'the tree');
  t.is(pj.lock.sources[0]!.locked, lock.sources.repos.gentoo!);
  t.not(pj.lock.sources[0]!.now, lock.sources.repos.gentoo!);
  t.deepEqual(pj.lock.subjects, [{ subject: 'science', packages: [], builds: [], tree: ['dev-libs/mylib: locked 1.4.2, the tree now also has 1.5'] }]);
  const r4 = await run('--locked');
  t.is(r4.exitCode, 1, r4.stdout);
  t.true(r4.stderr.includes(`the tree: locked ${lock.sources.repos.gentoo!}, now resolves to ${pj.lock.sources[0]!.now}`), r4.stderr);
  t.true(r4.stderr.includes('science: dev-libs/mylib: locked 1.4.2, the tree now also has 1.5'), r4.stderr);
  t.regex(r4.stderr, /binfarm lock/);
  // A directory cannot be brought back to the locked state (bind: no squashfs of it was cached).
  t.true(r4.stderr.includes(`the directory ${join(dir, 'tree')} has changed since the lock`), r4.stderr);
  t.true(r4.stderr.includes('binfarm keeps no history of a directory, so it cannot bring the locked state back'), r4.stderr);
});
