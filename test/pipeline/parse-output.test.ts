import test from 'ava';
import { readFileSync } from 'node:fs';
import { EmergeOutputParser, parseEmergeLog, parseEmergeOutput, parseLine, stripBuildId } from '../../core/emerge/parse-output.ts';

const sample = (name: string) => readFileSync(new URL(`../fixtures/emerge-output/${name}`, import.meta.url), 'utf8');

test('sequential run (3.0.66): one package built, one binary reused', (t) => {
  const r = parseEmergeOutput(sample('portage-3.0.66-sequential.txt'), 0);
  t.deepEqual(r.built, ['app-misc/hello-2.12.2']);
  t.deepEqual(r.binary, ['dev-libs/jsoncpp-1.9.6']);
  t.deepEqual(r.failed, []);
  t.deepEqual(r.incomplete, []);
  t.is(r.total, 2);
});

test('parallel --keep-going run (3.0.82): failure with its log, a dropped dependant, the rest done', (t) => {
  const r = parseEmergeOutput(sample('portage-3.0.82-parallel-keep-going.txt'), 1);
  t.deepEqual(r.built, ['app-misc/hello-2.12.2']);
  t.deepEqual(r.binary, ['dev-libs/jsoncpp-1.9.6']);
  t.deepEqual(r.failed, [{ cpv: 'sci-libs/broken-1.0', action: 'emerge', logFile: '/var/log/portage/sci-libs:broken-1.0:20260309-101502.log' }]);
  t.deepEqual(r.dropped, [{ cpv: 'sci-physics/needs-broken-2.1-r1', why: 'it requires >=sci-libs/broken-1.0' }]);
  t.deepEqual(r.incomplete, []);
  t.is(r.total, 4);
});

test('interrupted run: the package being built is incomplete, the finished one counts', (t) => {
  const r = parseEmergeOutput(sample('portage-3.0.82-interrupted.txt'), 143);
  t.deepEqual(r.built, ['app-misc/hello-2.12.2']);
  t.deepEqual(r.incomplete, ['sci-physics/geant4-11.3.2']);
  t.deepEqual(r.failed, []);
});

test('a failure seen only in the final summary still carries its log path', (t) => {
  const p = new EmergeOutputParser();
  for (const l of [
    '>>> Emerging (1 of 1) dev-libs/x-1.0-r2::gentoo',
    ' * The following package has failed to build, install, or execute postinst:',
    ' * ',
    ' *  (dev-libs/x-1.0-r2:0/0::gentoo, ebuild scheduled for merge), Log file:',
    " *   '/var/log/portage/dev-libs:x-1.0-r2:20260101-000000.log'",
  ])
    p.feed(l);
  t.deepEqual(p.result(1).failed, [{ cpv: 'dev-libs/x-1.0-r2', action: 'emerge', logFile: '/var/log/portage/dev-libs:x-1.0-r2:20260101-000000.log' }]);
});

test('line events: titles come from Emerging lines, colour codes are ignored', (t) => {
  t.deepEqual(parseLine('>>> Emerging (3 of 12) dev-libs/boost-1.88.0::gentoo'), {
    type: 'start',
    binary: false,
    n: 3,
    m: 12,
    cpv: 'dev-libs/boost-1.88.0',
    repo: 'gentoo',
  });
  t.deepEqual(parseLine('\x1b[32m>>> Emerging binary (1 of 3) \x1b[01;35msys-libs/zlib-1.3.1-r1\x1b[0m::gentoo'), {
    type: 'start',
    binary: true,
    n: 1,
    m: 3,
    cpv: 'sys-libs/zlib-1.3.1-r1',
    repo: 'gentoo',
  });
  t.deepEqual(parseLine('>>> Jobs: 1 of 4 complete, 1 running, 1 failed     Load avg: 1.52, 0.74, 0.38'), {
    type: 'jobs',
    complete: 1,
    total: 4,
    running: 1,
    failed: 1,
  });
  t.is(parseLine('>>> Source compiled.'), undefined);
  t.deepEqual(parseLine('>>> Failed to emerge app-misc/foo-1'), { type: 'failed', action: 'emerge', cpv: 'app-misc/foo-1', hasLog: false });
  t.like(parseLine('>>> Failed to install app-misc/foo-1, Log file:'), { type: 'failed', action: 'install', cpv: 'app-misc/foo-1', hasLog: true });
});

test('build ids are stripped only where a version remains', (t) => {
  t.is(stripBuildId('sys-libs/zlib-1.3.1-r1-2'), 'sys-libs/zlib-1.3.1-r1');
  t.is(stripBuildId('app-misc/foo-1-1'), 'app-misc/foo-1');
  t.is(stripBuildId('app-misc/foo-1'), 'app-misc/foo-1');
  t.is(stripBuildId('dev-lang/python-3.13.1_p2'), 'dev-lang/python-3.13.1_p2');
});

test('emerge.log: compiled, binary and completed packages, and the exit', (t) => {
  const s = parseEmergeLog(sample('emerge.log-3.0.82.txt'));
  t.deepEqual(s.compiled, ['sci-libs/broken-1.0', 'app-misc/hello-2.12.2']);
  t.deepEqual(s.binary, ['dev-libs/jsoncpp-1.9.6']);
  t.deepEqual(s.completed, ['dev-libs/jsoncpp-1.9.6', 'app-misc/hello-2.12.2']);
  t.is(s.exit, 'failure');
});

test('emerge.log completes what the terminal output missed', async (t) => {
  const { reconcile } = await import('../../core/emerge/run-emerge.ts');
  // terminal output where only the failure survived (e.g. a future message format)
  const r = parseEmergeOutput('>>> Failed to emerge sci-libs/broken-1.0, Log file:\n>>>  \'/var/log/portage/x.log\'\n', 1);
  t.deepEqual(r.built, []);
  reconcile(r, parseEmergeLog(sample('emerge.log-3.0.82.txt')));
  t.deepEqual(r.built, ['app-misc/hello-2.12.2']);
  t.deepEqual(r.binary, ['dev-libs/jsoncpp-1.9.6']);
  t.deepEqual(r.failed.map((f) => f.cpv), ['sci-libs/broken-1.0'], 'a failure stays a failure');
});
