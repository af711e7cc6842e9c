/** Only the named command's module is loaded (core/cli/command-word.ts, commands/index.ts). */
import test from 'ava';
import { commandWord } from '../../core/cli/command-word.ts';
import { COMMAND_MODULES, loadCommands } from '../../core/cli/commands/index.ts';
import { BIN } from './_cli.ts';
import { execa } from 'execa';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const argv = (...args: string[]) => ['node', 'binfarm', ...args];

test('the command word: after global options and their values, not when help is asked for', (t) => {
  t.is(commandWord(argv('run', 'a', 'b')), 'run');
  t.is(commandWord(argv('--cwd', 'plan', '--json', 'run')), 'run', 'a value of -C/--cwd is not the command');
  t.is(commandWord(argv('-C', 'x', '-c', 'plan.ts', '--set', 'run.jobs=2', '-q', 'status')), 'status');
  t.is(commandWord(argv('--cwd=x', '--config=y', 'binhost', 'ls')), 'binhost');
  t.is(commandWord(argv('-qC', 'plan', 'run')), 'run', 'combined short flags ending in a value option');
  t.is(commandWord(argv('-qv', 'plan')), 'plan');
  t.is(commandWord(argv('run', '--help')), undefined);
  t.is(commandWord(argv('-h')), undefined);
  t.is(commandWord(argv()), undefined);
  t.is(commandWord(argv('--', 'run')), undefined);
  t.is(commandWord(argv('--version')), '', '--version alone names no command');
  t.is(commandWord(argv('-V')), '');
  t.is(commandWord(argv('--cwd', 'farm', '--version')), '', 'global options before --version name no command either');
  t.is(commandWord(argv('-C', '--version')), undefined, 'a value of -C is not --version');
  t.is(commandWord(argv('--version', 'run')), 'run');
});

test('one command module for a known word, all of them otherwise', async (t) => {
  t.deepEqual(
    (await loadCommands('run')).map((c) => c.name),
    ['run'],
  );
  t.deepEqual(
    (await loadCommands('binhost')).map((c) => c.name),
    ['binhost'],
  );
  const all = (await loadCommands('rn')).map((c) => c.name);
  t.deepEqual(
    all,
    COMMAND_MODULES.map(([word]) => word),
    'every module, in --help order, each named by its word',
  );
  t.deepEqual((await loadCommands(undefined)).length, COMMAND_MODULES.length);
  t.deepEqual(await loadCommands(''), []);
});

test('a command line naming one command does not load the others; --help lists them all', async (t) => {
  // The CJS loader's view of what jiti loaded: a preload lists the command modules read.
  const probe = `const fs=require('fs');const r=fs.readFileSync;const seen=new Set();fs.readFileSync=function(p,...a){if(typeof p==='string'&&p.includes('/core/cli/commands/'))seen.add(p.replace(/.*\\//,''));return r.call(this,p,...a)};process.on('exit',()=>fs.writeSync(2,'\\nREAD '+[...seen].sort().join(',')+'\\n'))`;
  const dir = mkdtempSync(join(tmpdir(), 'binfarm-command-word-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'probe.cjs'), probe);
  const run = async (...args: string[]) => {
    // The sources through jiti (read with readFileSync, which the probe sees); the compiled copy in dist/ loads the same lazy table.
    const r = await execa(process.execPath, ['-r', join(dir, 'probe.cjs'), BIN, ...args], { reject: false, env: { NODE_OPTIONS: '', BINFARM_LOADER: 'jiti' } });
    return /READ (.*)/.exec(String(r.stderr))?.[1]?.split(',') ?? [];
  };
  const one = await run('--cwd', '/nonexistent', 'plan');
  t.deepEqual(
    one.filter((f) => f !== 'index.ts'),
    ['plan.ts'],
  );
  const help = await run('--help');
  t.true(help.includes('run.ts') && help.includes('serve.ts') && help.includes('plan.ts'));
});
