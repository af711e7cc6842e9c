/**
 * The job script (core/executor/swarm/job.sh) run for real: a container of the fixture stage3 image
 * (BusyBox sh and wget, the fixture emerge) on this machine's dockerd, host networking so it reaches
 * a real job endpoint on 127.0.0.1. Only the test binds the token file (at the overridable path);
 * in a swarm it is a secret. What the job uploads then goes through acceptJobUploads.
 */
import test, { type ExecutionContext } from 'ava';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { acceptJobUploads, collectJobLogs } from '../../core/executor/swarm/incoming.ts';
import { jobBinreposConf, makeJobContext } from '../../core/executor/swarm/job-context.ts';
import { startJobEndpoint } from '../../core/executor/swarm/job-endpoint.ts';
import { JOB_EXIT_TRANSPORT, jobCommand, jobEnv } from '../../core/executor/swarm/job-script.ts';
import { JOB_BINHOST_PATH } from '../../core/executor/swarm/job-files.ts';
import { emergeFixtureEntries, emergeFixtureImage } from '../fixtures/emerge/image.ts';
import { stage3FixtureImage, type FixtureEntry } from '../fixtures/images.ts';
import { testEngine } from '../engine/helpers.ts';
import { filesBelow, tempDir } from './helpers.ts';

const TOKEN_PATH = '/run/binfarm-test/job-token';
const ALPHA = 'app-misc/alpha/alpha-1.0-1.gpkg.tar';
const BETA = 'app-misc/beta/beta-1.0-1.gpkg.tar';

async function runJob(
  t: ExecutionContext,
  argv: string[],
  opts: { token?: string; image?: () => Promise<string>; shell?: string; pkgdir?: string; root?: string } = {},
) {
  const root = opts.root ?? (await tempDir(t));
  const stateDir = join(root, 'state');
  const binhostRoot = join(root, 'binhost');
  const partitionDir = join(binhostRoot, 'amd64/test');
  await mkdir(partitionDir, { recursive: true });
  const endpoint = await startJobEndpoint({ listen: { host: '127.0.0.1' }, binhostRoot, stateDir });
  t.teardown(() => endpoint.close());
  const jobId = `job-${Math.random().toString(36).slice(2, 8)}`;
  const context = await makeJobContext({
    argv,
    files: [
      { path: 'etc/portage/make.conf', content: 'PKGDIR="/var/cache/binpkgs"\nPORTAGE_LOGDIR="/var/log/portage"\nFEATURES="buildpkg"\n' },
      { path: 'etc/portage/binrepos.conf/binfarm.conf', content: jobBinreposConf(endpoint.binhostUrl('amd64/test')) },
      { path: JOB_BINHOST_PATH, content: `${endpoint.binhostUrl('amd64/test')}\n` },
    ],
  });
  const { token, incomingDir, ended } = endpoint.registerJob(jobId, { partitionRel: 'amd64/test', context });
  // What the incoming area held when the job reported its end: the report must come after the last upload.
  const report = ended.then(async (r) => ({ ...r, files: await filesBelow(incomingDir) }));
  const tokenFile = join(root, 'token');
  await writeFile(tokenFile, `${opts.token ?? token}\n`, { mode: 0o600 });
  const engine = await testEngine(t, { tag: 'jobwire' });
  const image = await (opts.image ?? emergeFixtureImage)();
  const run = await engine.run({
    image,
    cmd: opts.shell ? [opts.shell, ...jobCommand().slice(1)] : jobCommand(),
    env: { ...jobEnv({ url: endpoint.url, jobId, ...(opts.pkgdir ? { pkgdir: opts.pkgdir } : {}) }), BINFARM_JOB_TOKEN_FILE: TOKEN_PATH },
    mounts: [{ type: 'bind', source: tokenFile, target: TOKEN_PATH, readOnly: true }],
    network: 'host',
  });
  // The report is answered before the script exits; a job that never reports leaves it pending.
  const endReport = await Promise.race([report, new Promise<undefined>((r) => setTimeout(() => r(undefined), 2000))]);
  await endpoint.unregisterJob(jobId);
  return { run, incomingDir, partitionDir, root, token, endReport };
}

/**
 * FIXTURE: the stage3 fixture with this machine's GNU wget and dash (a real stage3 has net-misc/wget
 * and bash as /bin/sh, not BusyBox's) in /usr/local/bin, with the shared libraries `ldd` names. The
 * job runs under dash: BusyBox's sh would run its own wget applet whatever PATH says.
 */
function gnuWgetImage(): Promise<string> {
  const libs = ['/usr/bin/wget', '/usr/bin/dash']
    .flatMap((bin) => execFileSync('ldd', [bin], { encoding: 'utf8' }).split('\n'))
    .map((l) => /(?:=> )?(\/\S+) \(0x/.exec(l)?.[1])
    .filter((p, i, all): p is string => !!p && all.indexOf(p) === i);
  // /lib and /lib64 are links to usr/lib in the fixture, as in a merged-usr stage3.
  const extra: FixtureEntry[] = [
    { type: 'directory', name: 'usr/local' },
    { type: 'directory', name: 'usr/local/bin' },
    { type: 'directory', name: 'usr/lib/x86_64-linux-gnu' },
    { type: 'file', name: 'usr/local/bin/wget', mode: 0o755, content: readFileSync('/usr/bin/wget') },
    { type: 'file', name: 'usr/local/bin/dash', mode: 0o755, content: readFileSync('/usr/bin/dash') },
    ...libs.map((p): FixtureEntry => ({ type: 'file', name: p.replace(/^\/(usr\/)?lib(64)?\//, 'usr/lib/'), mode: 0o755, content: readFileSync(p) })),
  ];
  return stage3FixtureImage({ extra: [...emergeFixtureEntries(), ...extra], repo: 'binfarm-fixture/stage3-emerge-gnuwget' });
}

test('BusyBox sh and wget: a job that builds two packages uploads exactly their binpkgs and index; they enter the partition', async (t) => {
  await goodJob(t, 'BusyBox', { image: emergeFixtureImage });
});

test('dash and GNU wget: a job that builds two packages uploads exactly their binpkgs and index; they enter the partition', async (t) => {
  await goodJob(t, 'GNU', { image: gnuWgetImage, shell: '/usr/local/bin/dash' });
});

async function goodJob(t: ExecutionContext, flavour: 'BusyBox' | 'GNU', opts: { image: () => Promise<string>; shell?: string }): Promise<void> {
  const argv = ['--oneshot', '--usepkg-exclude=app-misc/none  other/none', 'app-misc/alpha', 'app-misc/beta'];
  const { run, incomingDir, partitionDir, token, endReport } = await runJob(t, argv, opts);
  t.is(run.exitCode, 0, run.stdout + run.stderr);
  t.deepEqual(endReport, { status: 0, files: ['Packages', ALPHA, BETA] }, 'the job reports its end with status 0 after its last upload');
  t.is(run.stdout.trimEnd().split('\n').at(-1), 'binfarm-job: done', 'its last line (run-job.ts waits for it in the followed log)');
  const lines = run.stdout.split('\n');
  t.true(
    lines.some((l) => l.startsWith(`binfarm-job: transfers with ${flavour} wget`)),
    run.stdout,
  );
  // The argv file's lines reach emerge literally (the double space survives: no word splitting).
  t.deepEqual(
    lines.filter((l) => l.startsWith('binfarm-job: argv: ')),
    argv.map((a) => `binfarm-job: argv: ${a}`),
  );
  t.true(lines.includes('>>> Completed (2 of 2) app-misc/beta-1.0::gentoo'), run.stdout);
  t.true(lines.includes('binfarm-job: emerge exited with status 0'));
  t.true(lines.some((l) => l.startsWith(`binfarm-job: uploaded ${ALPHA} (`)));
  t.is(
    lines
      .filter((l) => l.startsWith('binfarm-job: uploaded '))
      .at(-1)
      ?.replace(/ \(.*$/, ''),
    'binfarm-job: uploaded Packages',
    'the index goes last',
  );
  t.false((run.stdout + run.stderr).includes(token), 'the token is never printed');
  t.deepEqual(await filesBelow(incomingDir), ['Packages', ALPHA, BETA]);
  const uploaded = await readFile(join(incomingDir, ALPHA));
  const result = await acceptJobUploads({ incomingDir, partitionDir });
  t.deepEqual(result, { moved: [ALPHA, BETA], unchanged: [], fetched: [] });
  t.deepEqual(await filesBelow(partitionDir), [ALPHA, BETA]);
  t.deepEqual(await readFile(join(partitionDir, ALPHA)), uploaded);
}

test('a failing package: the good binpkg and the failed package’s log are still uploaded, and the job exits non-zero', async (t) => {
  const { run, incomingDir, partitionDir, root, endReport } = await runJob(t, ['app-misc/alpha', 'app-misc/broken-thing']);
  t.is(run.exitCode, 1, run.stdout + run.stderr);
  t.is(endReport?.status, 1, 'the end report carries the exit status');
  t.true(run.stdout.includes('binfarm-job: emerge exited with status 1'));
  t.true(run.stdout.includes('>>> Failed to emerge app-misc/broken-thing-1.0, Log file:'));
  const files = await filesBelow(incomingDir);
  const logs = files.filter((f) => f.startsWith('logs/'));
  t.is(logs.length, 1, files.join(' '));
  t.regex(logs[0]!, /^logs\/app-misc:broken-thing-1\.0:\d{8}-\d{6}\.log$/);
  t.deepEqual(
    files.filter((f) => !f.startsWith('logs/')),
    ['Packages', ALPHA],
  );
  const result = await acceptJobUploads({ incomingDir, partitionDir });
  t.deepEqual(result.moved, [ALPHA]);
  t.deepEqual(await filesBelow(partitionDir), [ALPHA]);
  const logsDir = join(root, 'run-logs');
  const [name] = await collectJobLogs(incomingDir, logsDir);
  t.regex(await readFile(join(logsDir, name!), 'utf8'), /error: expected ';' before '\}' token/);
});

test('a job with a wrong token gets no context, runs nothing and uploads nothing', async (t) => {
  const { run, incomingDir } = await runJob(t, ['app-misc/alpha'], { token: 'f'.repeat(64) });
  t.is(run.exitCode, JOB_EXIT_TRANSPORT, run.stdout + run.stderr);
  t.regex(run.stderr, /binfarm-job: error: could not download .*\/context\.tar/);
  t.regex(run.stderr, /403/);
  t.false(run.stdout.includes('running emerge'));
  t.deepEqual(await filesBelow(incomingDir), []);
});

/**
 * FIXTURE: the stage3 fixture whose `portageq` first prints `portageq called: <args>` on the
 * container's output (PID 1's stdout: the job script sends portageq's own output elsewhere), then
 * answers as the fixture's. A real portageq is a Python start-up, about a second each.
 */
function countingPortageqImage(): Promise<string> {
  const entries = emergeFixtureEntries().map((e): FixtureEntry =>
    e.type === 'file' && e.name === 'usr/bin/portageq'
      ? { ...e, content: Buffer.from('#!/bin/sh\necho "portageq called: $*" > /proc/1/fd/1\nexec /bin/sh /usr/lib/binfarm-fixture/portageq "$@"\n') }
      : e,
  );
  const real = emergeFixtureEntries().find((e) => e.name === 'usr/bin/portageq')!;
  return stage3FixtureImage({ extra: [...entries, { ...real, name: 'usr/lib/binfarm-fixture/portageq' }], repo: 'binfarm-fixture/stage3-emerge-portageq' });
}

test('portageq is asked only for what is needed: nothing when the job knows PKGDIR and emerge succeeded; the log directories when it failed', async (t) => {
  const good = await runJob(t, ['app-misc/alpha'], { image: countingPortageqImage, pkgdir: '/var/cache/binpkgs' });
  t.is(good.run.exitCode, 0, good.run.stdout + good.run.stderr);
  t.false(good.run.stdout.includes('portageq called'), good.run.stdout);
  t.deepEqual(await filesBelow(good.incomingDir), ['Packages', ALPHA]);

  const bad = await runJob(t, ['app-misc/broken-thing'], { image: countingPortageqImage, pkgdir: '/var/cache/binpkgs' });
  t.is(bad.run.exitCode, 1, bad.run.stdout + bad.run.stderr);
  const asked = bad.run.stdout.split('\n').filter((l) => l.startsWith('portageq called: '));
  t.deepEqual(asked.sort(), ['portageq called: envvar PORTAGE_LOGDIR', 'portageq called: envvar PORTAGE_TMPDIR']);
  t.true((await filesBelow(bad.incomingDir)).some((f) => /^logs\/app-misc:broken-thing-1\.0:/.test(f)));
});

test('a job downloads from the binhost only what it merges, never reuses a BUILD_ID the binhost has, and does not send back what it downloaded', async (t) => {
  const first = await runJob(t, ['app-misc/alpha']);
  t.is(first.run.exitCode, 0, first.run.stdout + first.run.stderr);
  await acceptJobUploads({ incomingDir: first.incomingDir, partitionDir: first.partitionDir });
  // The partition's index (binfarm regenerates it; here the first job's, which lists exactly alpha-1).
  await writeFile(join(first.partitionDir, 'Packages'), await readFile(join(first.incomingDir, 'Packages')));
  // alpha rebuilt from source (excluded from reuse), beta new: alpha-1 stays on the binhost.
  const argv = ['--usepkg', '--usepkg-exclude=app-misc/alpha', '--getbinpkg', 'app-misc/alpha', 'app-misc/beta'];
  const second = await runJob(t, argv, { root: first.root });
  t.is(second.run.exitCode, 0, second.run.stdout + second.run.stderr);
  t.deepEqual(await filesBelow(second.incomingDir), ['Packages', 'app-misc/alpha/alpha-1.0-2.gpkg.tar', BETA]);
  const result = await acceptJobUploads({ incomingDir: second.incomingDir, partitionDir: second.partitionDir });
  t.deepEqual(result.moved, ['app-misc/alpha/alpha-1.0-2.gpkg.tar', BETA]);

  // alpha reused: downloaded from the binhost (alpha-1, the index's), merged, and not sent back.
  const third = await runJob(t, ['--usepkg', '--getbinpkg', 'app-misc/alpha'], { root: first.root });
  t.is(third.run.exitCode, 0, third.run.stdout + third.run.stderr);
  t.true(third.run.stdout.includes('>>> Emerging binary (1 of 1) app-misc/alpha-1.0::gentoo'), third.run.stdout);
  t.true(third.run.stdout.includes(`binfarm-job: not uploading ${ALPHA}: the binhost has it (downloaded)`), third.run.stdout);
  t.deepEqual(await filesBelow(third.incomingDir), ['Packages']);
  t.deepEqual(await acceptJobUploads({ incomingDir: third.incomingDir, partitionDir: third.partitionDir }), { moved: [], unchanged: [], fetched: [ALPHA] });
});
