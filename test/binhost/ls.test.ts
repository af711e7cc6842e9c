import test from 'ava';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configTs, makeProject } from '../config/_project.ts';
import { cli } from '../cli/_cli.ts';
import { publishGeneration } from '../../core/publish/generations.ts';
import { LocalFs } from '../../core/publish/target-fs.ts';
import { CloneOrCopy } from '../../core/publish/transfers.ts';
import { makePartition, PARTITION } from './helpers.ts';

const SUBJECTS = `subjects: { tools: { sets: { tools: { 'app-misc/hello': {} } } }, science: { sets: { science: { 'sci-libs/gsl': {} } } } }`;
const HELLO = 'app-misc/hello/hello-2.12.2-1.gpkg.tar';
const GSL = 'sci-libs/gsl/gsl-2.8-r1-2.gpkg.tar';

/** A subject's recorded build, as the runner writes it (core/plan/state.ts), with only what ls reads filled in. */
function writeState(dir: string, subject: string, packages: string[]): void {
  mkdirSync(join(dir, '.binfarm', 'subjects'), { recursive: true });
  const state = {
    ...{ version: 1, subject, key: 'k', inputs: {}, sources: {}, image: { ref: `x/${subject}:k`, id: 'sha256:0' }, partition: { rel: PARTITION, dir: '' } },
    ...{ packages, built: [], binary: [], portageVersion: '3.0.66', runId: 'r1', builtAt: '2026-03-08T20:00:00Z' },
  };
  writeFileSync(join(dir, '.binfarm', 'subjects', `${subject}.json`), JSON.stringify(state));
}

test('binhost ls: binpkgs with version, build id, USE, size, the subjects built from them and the generations that list them', async (t) => {
  const dir = makeProject(t, { 'binfarm.config.ts': configTs(`{ ${SUBJECTS}, binhost: { publish: [{ type: 'dir', path: 'pub' }] } }`) });
  const local = join(dir, '.binfarm', 'binhost');
  const pub = { fs: new LocalFs(join(dir, 'pub')), root: join(dir, 'pub'), transfer: new CloneOrCopy() };
  const part = makePartition(local, [{ cpv: 'app-misc/hello-2.12.2', id: 1, use: 'amd64 nls' }]);
  await publishGeneration(pub, part, PARTITION, { keep: 5 });
  makePartition(local, [{ cpv: 'app-misc/hello-2.12.2', id: 1, use: 'amd64 nls' }, { cpv: 'sci-libs/gsl-2.8-r1', id: 2, content: 'x'.repeat(3000) }]);
  await publishGeneration(pub, part, PARTITION, { keep: 5 });
  writeState(dir, 'tools', [HELLO]);
  writeState(dir, 'science', [HELLO, GSL]);

  const r = await cli(['binhost', 'ls'], { cwd: dir });
  t.is(r.exitCode, 0, r.stderr);
  t.log(r.stdout);
  const lines = r.stdout.split('\n');
  t.is(lines[0], `${PARTITION}  (2 binpkgs)`);
  t.regex(lines[1]!, /^ {2}PACKAGE +VERSION +BUILD +SIZE +BUILT +SUBJECTS +GENERATIONS +USE$/);
  t.regex(lines[2]!, /^ {2}app-misc\/hello +2\.12\.2 +1 +28 B +2026-03-08 20:00 UTC +science,tools +1,2 +amd64 nls$/);
  t.regex(lines[3]!, /^ {2}sci-libs\/gsl +2\.8-r1 +2 +2\.9 KiB +2026-03-08 20:00 UTC +science +2 *$/);

  const json = await cli(['binhost', 'ls', '--json', '--subject', 'tools'], { cwd: dir });
  type Row = { cpv: string; subjects: string[]; generations: Record<string, number[]> };
  const data = JSON.parse(json.stdout) as { partitions: Array<{ partition: string; packages: Row[] }> };
  t.deepEqual(data.partitions.map((p) => p.partition), [PARTITION]);
  const rows = data.partitions[0]!.packages.map((p) => [p.cpv, p.subjects, Object.values(p.generations)]);
  t.deepEqual(rows, [['app-misc/hello-2.12.2', ['science', 'tools'], [[1, 2]]]]);

  const nobody = await cli(['binhost', 'ls', '--subject', 'nope'], { cwd: dir });
  t.is(nobody.exitCode, 64);
  t.regex(nobody.stderr, /no build of subject "nope" is recorded/);
  t.regex(nobody.stderr, /Subjects built so far: science, tools\./);
  const wrong = await cli(['binhost', 'ls', '--partition', 'arm64/x'], { cwd: dir });
  t.is(wrong.exitCode, 64);
  t.regex(wrong.stderr, new RegExp(`Partitions: ${PARTITION}\\.`));
  const one = await cli(['binhost', 'ls', '--partition', `/${PARTITION}/`], { cwd: dir });
  t.is(one.exitCode, 0, one.stderr);
  t.true(one.stdout.startsWith(`${PARTITION}  (2 binpkgs)`));
});

test('binhost list without publish targets shows the local partitions instead of a usage error', async (t) => {
  const dir = makeProject(t, { 'binfarm.config.ts': configTs(`{ ${SUBJECTS} }`) });
  const empty = await cli(['binhost', 'list'], { cwd: dir });
  t.is(empty.exitCode, 0, empty.stderr);
  t.regex(empty.stdout, /^local:.*\.binfarm\/binhost {2}\(not published: binhost\.publish has no targets\)\n {2}\(empty: nothing built yet\)$/m);
  makePartition(join(dir, '.binfarm', 'binhost'), [{ cpv: 'app-misc/hello-2.12.2', id: 1 }, { cpv: 'sci-libs/gsl-2.8-r1', id: 2 }]);
  const r = await cli(['binhost', 'list'], { cwd: dir });
  t.is(r.exitCode, 0, r.stderr);
  t.regex(r.stdout, new RegExp(`^  ${PARTITION}  2 binpkgs, 54 B, index of \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC$`, 'm'));
  type Listed = { target: string; local: boolean; partitions: Array<{ partition: string; packages: number }> };
  const json = JSON.parse((await cli(['binhost', 'list', '--json'], { cwd: dir })).stdout) as Listed[];
  t.true(json[0]!.local);
  t.deepEqual(json[0]!.partitions.map((p) => [p.partition, p.packages]), [[PARTITION, 2]]);
  const target = await cli(['binhost', 'list', '--target', 'x'], { cwd: dir });
  t.is(target.exitCode, 64, 'asking for a publish target that is not configured is still a usage error');
});
