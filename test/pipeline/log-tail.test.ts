import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { explainLog } from '../../core/emerge/log-tail.ts';

function log(t: import('ava').ExecutionContext, lines: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'binfarm-logtail-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const p = join(dir, 'x.log');
  writeFileSync(p, `${lines.join('\n')}\n`);
  return p;
}

test('a missing distfile: the failed download is shown, not only the traceback after it', async (t) => {
  const lines = [
    ' * Package:    sci-physics/root-6.36.0:0/6.36.0',
    ...Array.from({ length: 20 }, (_, i) => `noise ${i}`),
    ">>> Downloading 'https://root.cern/download/root_v6.36.0.source.tar.gz'",
    '--2026-12-01 10:00:00--  https://root.cern/download/root_v6.36.0.source.tar.gz',
    'Resolving root.cern... failed: Name or service not known.',
    "!!! Couldn't download 'root_v6.36.0.source.tar.gz'. Aborting.",
    ...Array.from({ length: 40 }, (_, i) => `  File "/usr/lib/python3/portage/x.py", line ${i}, in f`),
    'portage.exception.PortageException: fetch failed',
  ];
  const shown = (await explainLog(log(t, lines), 30))!;
  t.is(shown.length, 30);
  t.is(shown[3], ">>> Downloading 'https://root.cern/download/root_v6.36.0.source.tar.gz'");
  t.true(shown.includes("!!! Couldn't download 'root_v6.36.0.source.tar.gz'. Aborting."));
  t.regex(shown.find((l) => l.startsWith('[…'))!, /^\[… \d+ lines …\]$/);
  t.is(shown.at(-1), 'portage.exception.PortageException: fetch failed');
});

test('a compiler error with colour codes; a short log is shown whole', async (t) => {
  const lines = ['configure ok', ...Array.from({ length: 50 }, (_, i) => `g++ -c f${i}.cxx`), '\x1b[01;31mTMath.cxx:12:3: error:\x1b[0m expected ;', 'make: *** [Makefile:10: all] Error 1', ...Array.from({ length: 30 }, (_, i) => `after ${i}`)];
  const shown = (await explainLog(log(t, lines), 30))!;
  t.true(shown.includes('TMath.cxx:12:3: error: expected ;'));
  t.false(shown.some((l) => l.includes('\x1b')));
  const short = (await explainLog(log(t, ['a', 'b', 'error: c']), 30))!;
  t.deepEqual(short, ['a', 'b', 'error: c']);
  t.is(await explainLog('/nonexistent/x.log'), undefined);
});
