/**
 * `binfarm clean` on a real engine: images of this farm labelled as binfarm makes them (built
 * metadata-only from a local image), a state file naming the current one, runs of different
 * ages and an attempt record. Only what the retention policy allows goes; another farm's images
 * stay.
 */
import test from 'ava';
import { execa } from 'execa';
import { mkdirSync, writeFileSync, existsSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { configTs, makeProject } from '../config/_project.ts';
import { emergeFixtureImage } from '../fixtures/emerge/image.ts';
import { labelledImage } from '../helpers/labelled-image.ts';
import { cli } from './_cli.ts';


test.serial('clean keeps the current, published and newest images and young runs; removes the rest; --dry-run removes nothing', async (t) => {
  const base = await emergeFixtureImage();
  const prefix = `binfarm-test-clean-${process.pid}`;
  const other = `binfarm-test-clean-other-${process.pid}`;
  t.teardown(async () => {
    const ids = (await execa('docker', ['images', '-q', '--filter', `reference=${prefix}/*`, '--filter', `reference=${other}/*`], { reject: false })).stdout.split('\n').filter(Boolean);
    if (ids.length) await execa('docker', ['rmi', '-f', ...new Set(ids)], { reject: false });
  });
  const dir = makeProject(t, { 'binfarm.config.ts': configTs(`{ imagePrefix: ${JSON.stringify(prefix)}, clean: { keepImages: 1, runDays: 30, keepRuns: 1 }, subjects: { science: {} } }`) });
  const labels = (key: string, extra: Record<string, string> = {}) => ({ 'binfarm.owned': '1', 'binfarm.subject': 'science', 'binfarm.key': key, ...extra });
  // Four images of science, oldest first (created times differ by the build order).
  const refs: string[] = [];
  for (let i = 0; i < 4; i++) {
    refs.push(`${prefix}/science:key${i}`);
    await labelledImage(base, refs[i]!, labels(`key${i}${'0'.repeat(20)}`, { 'binfarm.generation': String(i) }));
    await new Promise((r) => setTimeout(r, 1100)); // Created has a resolution of one second
  }
  const pending = await labelledImage(base, `${prefix}/science:pending-x`, labels('', { 'binfarm.built-by-run': '20200101-000000-dead' }));
  const foreign = await labelledImage(base, `${other}/science:key9`, labels('key9'));
  const current = await labelledImage(base, refs[1]!, labels(`key1${'0'.repeat(20)}`, { 'binfarm.generation': '1' }));
  mkdirSync(join(dir, '.binfarm', 'subjects'), { recursive: true });
  writeFileSync(
    join(dir, '.binfarm', 'subjects', 'science.json'),
    JSON.stringify({ version: 1, subject: 'science', key: 'key1', image: { ref: refs[1], id: current }, runId: '20261201-000000-aaaa', published: { images: [refs[0]], at: '' } }),
  );
  writeFileSync(join(dir, '.binfarm', 'subjects', 'science.attempt.json'), '{}');
  const run = (id: string, startedAt: string) => {
    mkdirSync(join(dir, '.binfarm', 'runs', id), { recursive: true });
    writeFileSync(join(dir, '.binfarm', 'runs', id, 'run.json'), JSON.stringify({ runId: id, status: 'done', startedAt, argv: [], subjects: [], pid: 1, host: 'x' }));
  };
  run('20200101-000000-0001', '2020-01-01T00:00:00Z'); // old: goes
  run('20200102-000000-0002', '2020-01-02T00:00:00Z'); // old, but the newest run: stays
  // A swarm job's refused uploads: an old one goes, a young one stays for a look.
  const rejected = (name: string, days: number) => {
    const p = join(dir, '.binfarm', 'incoming', `${name}.rejected`);
    mkdirSync(p, { recursive: true });
    writeFileSync(join(p, 'rejected.json'), '{}');
    const at = new Date(Date.now() - days * 86_400_000);
    utimesSync(p, at, at);
    return p;
  };
  const oldRejected = rejected('20200101-000000-0001-science', 40);
  const youngRejected = rejected('20261130-000000-0003-science', 1);
  const dry = await cli(['clean', '--dry-run'], { cwd: dir });
  t.is(dry.exitCode, 0, dry.stderr);
  t.regex(dry.stdout, new RegExp(`would remove image ${prefix}/science:key2 .*older image of "science"`));
  t.regex(dry.stdout, new RegExp(`would remove image ${prefix}/science:pending-x .*never passed its smoke tests`));
  t.regex(dry.stdout, /would remove run .*20200101-000000-0001 .*older than 30 days/);
  t.regex(dry.stdout, /would remove attempt .*science\.attempt\.json .*"science" was built since/);
  t.regex(dry.stdout, /would remove rejected upload .*incoming\/20200101-000000-0001-science\.rejected .*older than 30 days/);
  t.notRegex(dry.stdout, /key3|key1|key0|0002|0003|other/);
  t.true(existsSync(join(dir, '.binfarm', 'runs', '20200101-000000-0001')), 'dry run removed nothing');

  const real = await cli(['clean'], { cwd: dir });
  t.is(real.exitCode, 0, real.stderr);
  t.regex(real.stdout, /freed /);
  const left = (await execa('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', `reference=${prefix}/*`])).stdout.split('\n').filter(Boolean).sort();
  t.deepEqual(left, [`${prefix}/science:key0`, `${prefix}/science:key1`, `${prefix}/science:key3`]);
  t.truthy((await execa('docker', ['image', 'inspect', foreign], { reject: false })).exitCode === 0, "another farm's image stays");
  t.false(existsSync(join(dir, '.binfarm', 'runs', '20200101-000000-0001')));
  t.true(existsSync(join(dir, '.binfarm', 'runs', '20200102-000000-0002')));
  t.false(existsSync(join(dir, '.binfarm', 'subjects', 'science.attempt.json')));
  t.false(existsSync(oldRejected));
  t.true(existsSync(youngRejected));
  t.falsy(pending && (await execa('docker', ['image', 'inspect', pending], { reject: false })).exitCode === 0);
  const again = await cli(['clean'], { cwd: dir });
  t.regex(again.stdout, /nothing to clean/);
});
