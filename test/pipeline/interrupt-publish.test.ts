import test from 'ava';
import { execa } from 'execa';
import { existsSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { BIN, cleanEnv } from '../cli/_cli.ts';
import { ConfigSchema, type BinfarmConfigInput } from '../../core/config/schema/index.ts';
import { createFarm } from '../../core/farm.ts';
import { rootCause } from '../../core/errors.ts';
import { readSubjectState } from '../../core/plan/state.ts';
import { lockPath } from '../../core/plan/lock.ts';
import { collectingReporter, type RunEvent } from '../../core/run/progress/events.ts';
import { formatRunSummary } from '../../core/run/summary.ts';
import { pipelineEnv } from './helpers.ts';

const RSYNC_FIXTURE = new URL('../fixtures/rsync/', import.meta.url).pathname;

// base + hep-core published to an rsync target (a local path), then interrupted while publishing:
// by a Ctrl-C to the CLI's process group before `current` is switched, and in the runner just after it.
test.serial('SIGINT during publish: before the switch nothing is published (exit 130); after it the run says it was published', async (t) => {
  t.timeout(480_000);
  const env = await pipelineEnv(t, 'pubintr');
  const published = join(env.dir, 'published');
  const config = (extra: boolean): BinfarmConfigInput => {
    const c = env.config((c) => {
      c.targets = ['hep-core'];
      c.run = { ...c.run, publish: true };
      c.binhost = { ...c.binhost!, publish: [{ type: 'rsync', target: published }] };
      if (extra) c.subjects!['hep-core']!.sets!['hep-core']!['sci-physics/root'] = {};
    });
    // The CLI reads a JSON config, which cannot hold the regex smoke expectations: none anywhere, so keys agree.
    for (const s of Object.values(c.subjects ?? {})) delete s.smoke;
    delete c.base!.smoke;
    return c;
  };
  const farmOf = (extra: boolean) => createFarm({ options: ConfigSchema.parse(config(extra)), rootDir: env.dir, command: 'run' });

  const r1 = await env.run(farmOf(false));
  t.is(r1.status, 'done', JSON.stringify(r1.failures));
  const stateDir = join(env.dir, 'state');
  const part = (await readSubjectState(stateDir, 'hep-core'))!.partition.rel;
  const pubBase = join(published, part);
  t.is(readlinkSync(join(pubBase, 'current')), 'generations/1');

  // 1. The CLI, Ctrl-C to its process group while rsync moves the new generation's binpkgs.
  writeFileSync(join(env.dir, '.binfarmrc.json'), JSON.stringify(config(true)));
  const hold = join(env.dir, 'rsync-calls');
  const child = execa(process.execPath, [BIN, '--cwd', env.dir, 'run'], {
    cwd: env.dir,
    env: cleanEnv({ PATH: `${RSYNC_FIXTURE}:${process.env.PATH}`, RSYNC_FIXTURE_HOLD: hold }),
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    detached: true, // its own process group, like a shell job: a terminal's Ctrl-C signals the whole group
  });
  t.teardown(() => {
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
  });
  const t0 = performance.now();
  while (!existsSync(hold)) {
    if (child.exitCode !== null || performance.now() - t0 > 300_000) break;
    await delay(100);
  }
  t.true(existsSync(hold), 'the publish reached rsync');
  process.kill(-child.pid!, 'SIGINT');
  const cli = await child;
  const stderr = String(cli.stderr);
  t.is(cli.exitCode, 130, stderr);
  t.regex(stderr, /✖ run interrupted: 1 built, 1 skipped, 0 failed/);
  t.regex(stderr, /publishing was interrupted: no binhost generation was published, every current generation is unchanged/);
  t.regex(stderr, /interrupted before current was switched; generation 2 was removed and current is still generations\/1/);
  t.notRegex(stderr, /run finished/);
  t.is(readlinkSync(join(pubBase, 'current')), 'generations/1', 'current is unchanged');
  t.deepEqual(readdirSync(join(pubBase, 'generations')), ['1'], 'no half-made generation is left');
  t.false(existsSync(lockPath(stateDir)));

  // 2. In the runner: the interrupt arrives right after `current` was switched.
  const controller = new AbortController();
  const events: RunEvent[] = [];
  const reporter = collectingReporter(events);
  const emit = reporter.emit;
  reporter.emit = (e) => {
    emit(e);
    if (e.event === 'log' && e.message.includes('current → generations/2')) controller.abort();
  };
  const r3 = await env.run(farmOf(true), { signal: controller.signal, reporter });
  t.true(controller.signal.aborted, 'the switch was reached');
  t.is(r3.status, 'interrupted');
  t.deepEqual(r3.summary.built, [], 'hep-core was built by the interrupted CLI run');
  const err = rootCause(r3.error) as { code: string; message: string };
  t.is(err.code, 'E_INTERRUPTED');
  t.regex(err.message, new RegExp(`^interrupted after publishing: rsync:${published}/${part.replace(/\./g, '\\.')} → generation 2 \\(now current\\)$`));
  t.is(readlinkSync(join(pubBase, 'current')), 'generations/2', 'what was switched stays published');
  const summary = formatRunSummary(r3, 1000);
  t.regex(summary, /^✖ run interrupted: 0 built, 2 skipped, 0 failed/);
  t.regex(summary, /interrupted after publishing: .* → generation 2 \(now current\)/);
  t.deepEqual((await readSubjectState(stateDir, 'hep-core'))!.published?.generations, { [`rsync:${published}`]: 2 }, 'the state records what was published');
});
