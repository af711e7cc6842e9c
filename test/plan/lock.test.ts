import test from 'ava';
import { execa } from 'execa';
import { existsSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireRunLock, lockPath, readLock } from '../../core/plan/lock.ts';
import { processStart } from '../../core/plan/process-start.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'binfarm-lock-'));

test('a second run on the same state dir is refused, naming the holding pid and command', async (t) => {
  const dir = tmp();
  const child = execa('node', ['--import=tsx', new URL('./lock-holder.ts', import.meta.url).pathname, dir], { reject: false });
  t.teardown(() => child.kill('SIGTERM'));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => (String(d).includes('locked') ? resolve() : undefined));
    child.once('exit', () => reject(new Error('holder exited early')));
  });
  const err = await t.throwsAsync(acquireRunLock(dir, { command: 'run' }));
  t.is((err as { code?: string }).code, 'E_LOCKED');
  t.true(err!.message.includes(`pid ${child.pid}`), err!.message);
  t.true(err!.message.includes('"binfarm run hep-core"'));
  t.regex((err as unknown as { hint: string }).hint, new RegExp(`kill ${child.pid}`));
  child.kill('SIGTERM');
  await child;
  t.false(existsSync(lockPath(dir)), 'the holder released the lock on exit');
  const release = await acquireRunLock(dir, { command: 'run' });
  release();
});

test('a lock left by a dead process is taken over with a warning; release removes only our lock', async (t) => {
  const dir = tmp();
  const dead = await execa('node', ['-e', 'process.stdout.write(String(process.pid))']);
  writeFileSync(lockPath(dir), JSON.stringify({ pid: Number(dead.stdout), host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', command: 'run' }));
  const warnings: string[] = [];
  const release = await acquireRunLock(dir, { command: 'plan', warn: (m) => warnings.push(m) });
  t.is(warnings.length, 1);
  t.regex(warnings[0]!, new RegExp(`left by process ${dead.stdout} \\(run, started 2026-01-01T00:00:00.000Z\\), which no longer runs`));
  t.is(readLock(lockPath(dir))!.pid, process.pid);
  t.is(readLock(lockPath(dir))!.command, 'plan');
  release();
  t.false(existsSync(lockPath(dir)));
});

test('the same process cannot take the lock twice', async (t) => {
  const dir = tmp();
  const release = await acquireRunLock(dir, { command: 'run' });
  await t.throwsAsync(acquireRunLock(dir, { command: 'run' }), { message: new RegExp(`pid ${process.pid}`) });
  release();
});

/** A real process that holds no lock: its pid stands for one the kernel handed to an unrelated program. */
function sleeper(t: { teardown(fn: () => void): void }) {
  const child = execa('node', ['-e', 'setInterval(() => {}, 1000)'], { reject: false });
  t.teardown(() => child.kill('SIGKILL'));
  return child;
}

const oldMtime = (path: string) => utimesSync(path, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));

test('a lock naming a pid that now belongs to another process (other start time) is taken over', async (t) => {
  const dir = tmp();
  const other = sleeper(t);
  const start = await waitForStart(other.pid!);
  const [boot] = start.split(':');
  writeFileSync(lockPath(dir), JSON.stringify({ pid: other.pid, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', command: 'run', procStart: `${boot}:1` }));
  const warnings: string[] = [];
  const release = await acquireRunLock(dir, { command: 'run', warn: (m) => warnings.push(m) });
  t.is(warnings.length, 1);
  t.true(warnings[0]!.includes(`pid ${other.pid} now belongs to a process started at another time`), warnings[0]);
  t.is(readLock(lockPath(dir))!.pid, process.pid);
  t.is(readLock(lockPath(dir))!.procStart, processStart(process.pid));
  release();
});

test('a lock whose recorded start matches its running process is respected, and so is one without a start time', async (t) => {
  const dir = tmp();
  const other = sleeper(t);
  const start = await waitForStart(other.pid!);
  for (const procStart of [start, undefined]) {
    writeFileSync(lockPath(dir), JSON.stringify({ pid: other.pid, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', command: 'run', procStart }));
    const err = await t.throwsAsync(acquireRunLock(dir, { command: 'run', warn: () => t.fail('no takeover') }));
    t.is((err as { code?: string }).code, 'E_LOCKED');
    t.true(err!.message.includes(`pid ${other.pid}`));
  }
});

for (const [what, content, says] of [
  ['an empty', '', 'empty'],
  ['a garbage', 'not json at all\n', 'not a binfarm lock'],
] as const) {
  test(`${what} lock file older than the grace period is taken over with a warning naming it`, async (t) => {
    const dir = tmp();
    writeFileSync(lockPath(dir), content);
    oldMtime(lockPath(dir));
    const warnings: string[] = [];
    const t0 = Date.now();
    // 60 s old against a 30 s grace: taken over at once (a wait would last 30 s).
    const release = await acquireRunLock(dir, { command: 'run', warn: (m) => warnings.push(m), unreadableGraceMs: 30_000 });
    t.true(Date.now() - t0 < 20_000, 'no wait for an old file');
    t.is(warnings.length, 1);
    t.true(warnings[0]!.includes(`taking over the lock ${lockPath(dir)}: it is ${says}`), warnings[0]);
    t.is(readLock(lockPath(dir))!.pid, process.pid);
    release();
    t.false(existsSync(lockPath(dir)));
  });
}

test('a fresh unreadable lock is waited on for the grace period, then taken over', async (t) => {
  const dir = tmp();
  writeFileSync(lockPath(dir), '');
  const warnings: string[] = [];
  const t0 = Date.now();
  const release = await acquireRunLock(dir, { command: 'run', warn: (m) => warnings.push(m), unreadableGraceMs: 800 });
  t.true(Date.now() - t0 >= 700, `waited ${Date.now() - t0} ms`);
  t.is(warnings.length, 1);
  release();
});

test('an unreadable lock completed by its writer within the grace period is not taken over', async (t) => {
  const dir = tmp();
  const other = sleeper(t);
  const start = await waitForStart(other.pid!);
  writeFileSync(lockPath(dir), '');
  setTimeout(() => writeFileSync(lockPath(dir), JSON.stringify({ pid: other.pid, host: hostname(), startedAt: new Date().toISOString(), command: 'run', procStart: start })), 200);
  const err = await t.throwsAsync(acquireRunLock(dir, { command: 'run', warn: () => t.fail('no takeover'), unreadableGraceMs: 800 }));
  t.is((err as { code?: string }).code, 'E_LOCKED');
  t.true(err!.message.includes(`pid ${other.pid}`));
});

async function waitForStart(pid: number): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const s = processStart(pid);
    if (s) return s;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no /proc/${pid}/stat`);
}
