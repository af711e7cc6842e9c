import test from 'ava';
import { ConfigSchema } from '../../core/config/schema/index.ts';
import { BinfarmError } from '../../core/errors.ts';
import { formatDoctor, runDoctor } from '../../core/doctor/doctor.ts';
import type { LoadedConfig } from '../../core/config/load.ts';
import { squashfsCheck } from '../../core/doctor/checks/squashfs.ts';
import { gpgCheck } from '../../core/doctor/checks/gpg.ts';
import { loopCheck } from '../../core/doctor/checks/loop.ts';
import { configCheck } from '../../core/doctor/checks/config.ts';
import { registryCheck } from '../../core/doctor/checks/registry.ts';
import { dockerCheck } from '../../core/doctor/checks/docker.ts';
import { defineCheck } from '../../core/doctor/types.ts';

const loaded = (config: object, rootDir = '/tmp'): LoadedConfig => ({
  options: ConfigSchema.parse(config),
  configFile: `${rootDir}/binfarm.config.ts`,
  rootDir,
  fileConfig: {},
  overrides: [],
  warnings: [],
});

test('tools missing from PATH fail with the install command; present ones report their versions', async (t) => {
  const noTools = await runDoctor({ config: loaded({}), env: { PATH: '/nonexistent' }, checks: [squashfsCheck, gpgCheck] });
  const [sq, gpg] = noTools.checks;
  t.is(sq?.status, 'fail');
  t.is(sq?.summary, 'not found: tar2sqfs, gensquashfs, rdsquashfs');
  t.regex(sq?.hint ?? '', /apt-get install squashfs-tools-ng/);
  t.is(gpg?.status, 'warn', 'gpg is optional unless a signature is required');
  const needsGpg = await runDoctor({
    config: loaded({ stage3: { type: 'tarball', src: '/srv/stage3.tar.xz', gpgKey: 'releng.asc' } }),
    env: { PATH: '/nonexistent' },
    checks: [gpgCheck],
  });
  t.is(needsGpg.checks[0]?.status, 'fail');

  const withTools = await runDoctor({ config: loaded({}), checks: [squashfsCheck] });
  t.is(withTools.checks[0]?.status, 'ok');
  t.regex(withTools.checks[0]!.summary, /^tar2sqfs \d+\.\d+(\.\d+)?, gensquashfs \d/);
});

test('loop devices: a warning with the auto strategy, a failure when squashfs is forced', async (t) => {
  // losetup missing stands for any host without usable loop devices
  const auto = await runDoctor({ config: loaded({}), env: { PATH: '/nonexistent' }, checks: [loopCheck] });
  t.is(auto.checks[0]?.status, 'warn');
  t.regex(auto.checks[0]!.summary, /losetup is not installed/);
  const forced = await runDoctor({ config: loaded({ mount: { strategy: 'squashfs' } }), env: { PATH: '/nonexistent' }, checks: [loopCheck] });
  t.is(forced.checks[0]?.status, 'fail');
  t.regex(forced.checks[0]!.hint ?? '', /mount\.strategy is "squashfs"/);
});

test('config check: missing config warns (defaults used), an invalid one fails with its hint', async (t) => {
  const missing = await runDoctor({ config: { error: new BinfarmError('E_CONFIG_NOT_FOUND', 'no binfarm config found'), cwd: '/tmp' }, checks: [configCheck] });
  t.is(missing.checks[0]?.status, 'warn');
  const invalid = await runDoctor({
    config: { error: new BinfarmError('E_CONFIG_INVALID', 'x.ts: invalid configuration (1 problem):\n  ✖ run.jobs: …', { hint: 'fix it' }), cwd: '/tmp' },
    checks: [configCheck],
  });
  t.deepEqual([invalid.checks[0]?.status, invalid.checks[0]?.summary, invalid.checks[0]?.hint], ['fail', 'x.ts: invalid configuration (1 problem):', 'fix it']);
});

test('registry credentials: none configured is fine; a registry without credentials warns with docker login', async (t) => {
  const none = await runDoctor({ config: loaded({}), checks: [registryCheck] });
  t.is(none.checks[0]?.status, 'ok');
  const noCreds = await runDoctor({
    config: loaded({ registry: { url: '127.0.0.1:5999/group' } }),
    env: { DOCKER_CONFIG: '/nonexistent' },
    checks: [registryCheck],
  });
  t.is(noCreds.checks[0]?.status, 'warn');
  t.regex(noCreds.checks[0]!.hint ?? '', /docker login 127\.0\.0\.1:5999/);
  const half = await runDoctor({ config: loaded({ registry: { url: 'r.example/x', username: 'me' } }), checks: [registryCheck] });
  t.regex(half.checks[0]!.summary, /registry\.password is not set/);
});

test('Docker unreachable fails with the fix; a check that throws or hangs is reported, not fatal', async (t) => {
  const r = await runDoctor({ config: loaded({ docker: { host: 'unix:///nonexistent/docker.sock' } }), checks: [dockerCheck] });
  t.is(r.checks[0]?.status, 'fail');
  t.regex(r.checks[0]!.summary, /no Docker Engine answers at unix:\/\/\/nonexistent\/docker\.sock/);
  const broken = defineCheck({ id: 'broken', title: 'broken', run: async () => { throw new Error('oops'); } });
  const slow = defineCheck({ id: 'slow', title: 'slow', run: () => new Promise(() => {}) });
  const report = await runDoctor({ config: loaded({}), checks: [broken, slow], timeoutMs: 200 });
  t.deepEqual(report.checks.map((c) => c.status), ['fail', 'fail']);
  t.regex(report.checks[1]!.summary, /no result within 0\.2 s/);
  t.deepEqual(report.counts, { ok: 0, warn: 0, fail: 2 });
  t.regex(formatDoctor(report), /^✖ broken +the check itself failed: oops$/m);
  t.regex(formatDoctor(report), /0 ok, 0 warnings, 2 failed$/);
});

test('stage3, tree and profile: a missing local image, a tree without repo_name or profile, a missing tarball fail with the fix', async (t) => {
  const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const { stage3Check, treeCheck } = await import('../../core/doctor/checks/sources.ts');
  const { emergeFixtureImage } = await import('../fixtures/emerge/image.ts');
  const dir = mkdtempSync(join(tmpdir(), 'binfarm-doctor-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'tree', 'profiles', 'default', 'linux', 'amd64', '23.0'), { recursive: true });

  const check = async (config: object) => (await runDoctor({ config: loaded(config, dir), checks: [stage3Check, treeCheck] })).checks;

  const noRepo = await check({ stage3: { type: 'local', image: 'binfarm-test/no-such-stage3:never' }, tree: { type: 'dir', path: 'tree' } });
  t.is(noRepo[0]?.status, 'fail');
  t.regex(noRepo[0]!.summary, /the local stage3 image binfarm-test\/no-such-stage3:never does not exist/);
  t.regex(noRepo[0]!.hint ?? '', /docker import/);
  t.is(noRepo[1]?.status, 'fail');
  t.regex(noRepo[1]!.summary, /tree is not a Portage repository \(no profiles\/repo_name\)/);

  writeFileSync(join(dir, 'tree', 'profiles', 'repo_name'), 'gentoo\n');
  const stage3 = await emergeFixtureImage();
  const good = await check({ stage3: { type: 'local', image: stage3 }, tree: { type: 'dir', path: 'tree' } });
  t.deepEqual(good.map((c) => c.status), ['ok', 'ok'], JSON.stringify(good));
  t.regex(good[1]!.summary, /dir tree .*\/tree with profile default\/linux\/amd64\/23\.0/);

  const badProfile = await check({ stage3: { type: 'tarball', src: 'missing/stage3.tar.xz' }, tree: { type: 'dir', path: 'tree' }, portage: { profile: 'default/linux/amd64/17.1' } });
  t.is(badProfile[0]?.status, 'fail');
  t.regex(badProfile[0]!.summary, /the stage3 tarball .*missing\/stage3\.tar\.xz does not exist/);
  t.is(badProfile[1]?.status, 'fail');
  t.regex(badProfile[1]!.summary, /profile default\/linux\/amd64\/17\.1 does not exist in the tree/);

  const remote = await check({ stage3: { type: 'tarball', src: 'https://example.invalid/stage3.tar.xz' }, tree: { type: 'snapshot', src: 'https://example.invalid/portage-latest.tar.xz' } });
  t.deepEqual(remote.map((c) => c.status), ['ok', 'ok']);
  t.regex(remote[1]!.summary, /downloaded by the first run/);
});

test('swarm executor: not checked with the local executor; without a registry or a swarm it fails with the fix', async (t) => {
  const { swarmCheck } = await import('../../core/doctor/checks/swarm.ts');
  const local = await runDoctor({ config: loaded({}), checks: [swarmCheck] });
  t.deepEqual([local.checks[0]?.status, local.checks[0]?.summary], ['ok', 'not used (run.executor is "local")']);
  const noRegistry = await runDoctor({ config: loaded({ run: { executor: 'swarm' } }), checks: [swarmCheck] });
  t.is(noRegistry.checks[0]?.status, 'fail');
  t.regex(noRegistry.checks[0]!.hint ?? '', /Set registry\.url/);
  // This machine's engine is not in a swarm (the swarm tests make their own cluster in namespaces).
  const noSwarm = await runDoctor({ config: loaded({ run: { executor: 'swarm' }, registry: { url: '127.0.0.1:5999/g' } }), checks: [swarmCheck] });
  t.is(noSwarm.checks[0]?.status, 'fail', JSON.stringify(noSwarm.checks[0]));
  t.regex(noSwarm.checks[0]!.summary, /is not in a swarm \(state: inactive\)/);
  t.regex(noSwarm.checks[0]!.hint ?? '', /docker swarm init/);
});
