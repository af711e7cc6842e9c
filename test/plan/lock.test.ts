import test from 'ava';
import { execa } from 'execa';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireRunLock, lockPath, readLock } from '../../core/plan/lock.ts';

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
