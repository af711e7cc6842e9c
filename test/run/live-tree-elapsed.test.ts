import test from 'ava';
import { fileURLToPath } from 'node:url';
import { runInPty } from '../helpers/pty.ts';
import { cleanEnv } from '../cli/_cli.ts';

const SCRIPT = fileURLToPath(new URL('../fixtures/live-tree/elapsed.ts', import.meta.url));

// The live tree under a real terminal: the running phase shows its elapsed time, each package in
// flight its own, and a package that ends leaves a line with its build time.
test('the live tree shows the running phase elapsed time and per-package durations', async (t) => {
  const pty = runInPty([process.execPath, '--import=tsx', SCRIPT], { cwd: process.cwd(), env: cleanEnv({ TERM: 'xterm-256color' }) });
  t.teardown(() => pty.kill());
  // Ticks every second while emerge runs (two packages at once, one from a binpkg).
  await pty.waitFor(/emerge: app-misc\/viewer-2\.1 \(\d+\.\ds\), dev-libs\/mylib-1\.4\.2 \(binary, \d+\.\ds\) \[\d+\.\ds\]/, 30_000);
  await pty.waitFor(/app-misc\/viewer-2\.1 built in 1\.5s/, 30_000);
  const code = await pty.exited;
  const screen = pty.screen();
  t.is(code, 0, screen);
  // The elapsed time grows: a later tick than the first one was drawn.
  const seen = [...screen.matchAll(/emerge: [^[\n]*\[(\d+\.\d)s\]/g)].map((m) => Number(m[1]));
  t.true(seen.length >= 2 && Math.max(...seen) > Math.min(...seen), `ticks seen: ${seen.join(', ')}`);
});
