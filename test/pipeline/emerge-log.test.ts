import test from 'ava';
import { runEmerge } from '../../core/emerge/run-emerge.ts';
import type { SubjectBuild } from '../../core/run/context.ts';
import { stage3FixtureImage } from '../fixtures/images.ts';
import { testEngine } from '../engine/helpers.ts';

/** What runEmerge uses of a build: its progress and the run's signal. */
function buildForEmerge(lines: string[]): SubjectBuild {
  return {
    progress: { output: (l: string) => lines.push(l), title: () => undefined },
    run: { signal: new AbortController().signal },
  } as unknown as SubjectBuild;
}

test('a merge the terminal output missed is taken from the lines emerge.log gained during the invocation, not from older ones', async (t) => {
  const image = await stage3FixtureImage();
  const engine = await testEngine(t, { tag: 'emerge-log' });
  const c = await engine.start({ image, cmd: ['sleep', '600'], labels: { 'binfarm.test': 'emerge-log' } });
  t.teardown(() => c.remove());
  // An earlier emerge's record: its packages are not this invocation's.
  const old = '1773051290:  ::: completed emerge (1 of 1) app-misc/earlier-1.0 to /';
  t.is((await c.exec(['sh', '-c', `mkdir -p /var/log && printf '%s\\n' '${old}' > /var/log/emerge.log`])).exitCode, 0);
  // An "emerge" whose terminal lines name nothing: only emerge.log says what it merged.
  const script = [
    'echo "1773051300:  === (1 of 2) Merging Binary (dev-libs/bin-2.0::/var/cache/binpkgs/dev-libs/bin/bin-2.0-1.gpkg.tar)" >> /var/log/emerge.log',
    'echo "1773051301:  ::: completed emerge (1 of 2) dev-libs/bin-2.0 to /" >> /var/log/emerge.log',
    'echo "1773051302:  ::: completed emerge (2 of 2) app-misc/built-3.1 to /" >> /var/log/emerge.log',
    'echo "1773051303:  *** exiting successfully." >> /var/log/emerge.log',
    'echo "(output lost)"',
  ].join('\n');
  const lines: string[] = [];
  const inv = await runEmerge(buildForEmerge(lines), c, ['sh', '-c', script]);
  t.is(inv.exitCode, 0);
  t.deepEqual(lines, ['(output lost)']);
  t.deepEqual(inv.result.binary, ['dev-libs/bin-2.0']);
  t.deepEqual(inv.result.built, ['app-misc/built-3.1']);

  // Without an emerge.log before the invocation, all of it is the invocation's.
  t.is((await c.exec(['rm', '/var/log/emerge.log'])).exitCode, 0);
  const again = await runEmerge(buildForEmerge([]), c, ['sh', '-c', script]);
  t.deepEqual(again.result.built, ['app-misc/built-3.1']);
});
