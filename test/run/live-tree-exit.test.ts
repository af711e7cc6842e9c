import test from 'ava';
import { fileURLToPath } from 'node:url';
import { runInPty } from '../helpers/pty.ts';
import { cleanEnv } from '../cli/_cli.ts';

const SCRIPT = fileURLToPath(new URL('../fixtures/live-tree/exit-while-drawing.ts', import.meta.url));

// A second Ctrl-C exits at once (core/engine/signals.ts), while listr2 holds the terminal: the
// cursor must come back and the held-back lines (the "exiting" notice) must reach the screen.
test('an immediate exit while the live tree draws gives the terminal back', async (t) => {
  const pty = runInPty([process.execPath, '--import=tsx', SCRIPT], { cwd: process.cwd(), env: cleanEnv({ TERM: 'xterm-256color' }) });
  t.teardown(() => pty.kill());
  const code = await pty.exited;
  const screen = pty.screen();
  t.is(code, 130, screen);
  t.true(screen.includes('fetch stage3'), 'the tree was drawn');
  t.regex(screen, /SIGINT again: exiting without waiting for cleanup/);
  t.true(screen.lastIndexOf('\x1b[?25h') > screen.lastIndexOf('\x1b[?25l'), 'the cursor is shown again');
});
