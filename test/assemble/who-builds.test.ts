/** Which subject would build a missing package, and the error that lists them. */
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigSchema } from '../../core/config/schema/index.ts';
import { createFarm } from '../../core/farm.ts';
import { partitionOf, binhostRoot } from '../../core/binhost/partition.ts';
import { renderSubject } from '../../core/portage/render-subject.ts';
import { writeSubjectState, STATE_VERSION } from '../../core/plan/state.ts';
import { BuilderIndex, cpnOfAtom, cpnOfCpv } from '../../core/assemble/who-builds.ts';
import { describeMissing, missingPackagesError, subjectsToRun } from '../../core/assemble/missing.ts';

test('cat/pn of CPVs and of atoms as Portage prints them', (t) => {
  t.is(cpnOfCpv('dev-libs/foo-1.2-r1'), 'dev-libs/foo');
  t.is(cpnOfCpv('dev-libs/foo-bar-2'), 'dev-libs/foo-bar');
  t.is(cpnOfCpv('dev-libs/foo'), 'dev-libs/foo');
  t.is(cpnOfAtom('>=dev-libs/mylib-1.2:0='), 'dev-libs/mylib');
  t.is(cpnOfAtom('dev-lang/python:3.13[sqlite]'), 'dev-lang/python');
  t.is(cpnOfAtom('virtual/libc'), 'virtual/libc');
});

test('builders: set members, dependency settings, earlier builds; other partitions are marked', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'binfarm-who-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const options = ConfigSchema.parse({
    stateDir: join(dir, 'state'),
    subjects: {
      science: { sets: { science: { 'app-misc/viewer': {}, 'sci-physics/root': { deps: { 'dev-libs/mylib': { use: ['threads'] } } } } } },
      tuned: { sets: { tuned: { 'app-misc/viewer': {} } }, portage: { makeConf: { CFLAGS: '-O3 -march=znver4' } } },
      extras: { sets: { extras: { 'app-misc/tool': {} } } },
    },
  });
  const farm = createFarm({ options, rootDir: dir, builtins: false });
  const stateDir = join(dir, 'state');
  const from = partitionOf(options, stateDir, (await renderSubject(farm, 'base')).model).dir;
  await writeSubjectState(stateDir, {
    version: STATE_VERSION,
    subject: 'extras',
    key: 'k',
    inputs: {},
    sources: {},
    image: { ref: 'x/extras:k', id: 'sha256:1' },
    partition: { rel: 'r', dir: from },
    packages: [],
    built: ['app-misc/tool-1.0', 'dev-libs/pulled-2.0'],
    binary: [],
    portageVersion: '3.0.82',
    runId: 'r',
    builtAt: new Date().toISOString(),
  });
  const index = new BuilderIndex(farm, stateDir, from, binhostRoot(options, stateDir));

  const viewer = await index.find('app-misc/viewer');
  t.deepEqual(viewer.map((b) => [b.subject, b.how, b.samePartition, b.built]), [['science', 'set', true, false], ['tuned', 'set', false, false]]);
  t.regex(viewer[1]!.partition ?? '', /^amd64\/default\/linux\/amd64\/23\.0\/opt-[0-9a-f]{8}$/);
  t.deepEqual((await index.find('dev-libs/mylib')).map((b) => [b.subject, b.how, b.set]), [['science', 'dep', 'science']]);
  t.deepEqual((await index.find('dev-libs/pulled')).map((b) => [b.subject, b.how, b.built]), [['extras', 'pulled', true]]);
  t.deepEqual(await index.find('app-misc/nobody'), []);

  const missing = [
    { atom: 'app-misc/viewer', cpn: 'app-misc/viewer', requiredBy: [], builders: viewer },
    { atom: 'app-misc/other', cpn: 'app-misc/other', requiredBy: [], builders: [viewer[1]!] },
    {
      atom: '>=dev-libs/ghost-2',
      cpn: 'dev-libs/ghost',
      requiredBy: [
        { by: 'app-misc/haunted-1.0::gentoo', kind: 'binary' },
        { by: 'app-misc/haunted', kind: 'argument' },
      ],
      builders: [],
    },
  ];
  t.is(describeMissing(missing[0]!), 'app-misc/viewer (requested): subject "science" lists it in set @science and was never built → binfarm run science');
  t.regex(describeMissing(missing[1]!), /subject "tuned" builds it, but into partition amd64\/.*opt-[0-9a-f]{8} \(other compiler flags/);
  t.is(
    describeMissing(missing[2]!),
    ">=dev-libs/ghost-2 (required by app-misc/haunted-1.0::gentoo [binary] ← app-misc/haunted): no subject builds it — add it to a subject's sets",
  );
  t.deepEqual(subjectsToRun(missing), ['science']);
  const err = missingPackagesError({ name: 'env', from: 'base', partitionRel: 'amd64/p' }, missing);
  t.is(err.code, 'E_ASSEMBLE');
  t.regex(
    err.message,
    /^cannot assemble "env" from subject "base": 3 packages have no binary package in the binhost partition amd64\/p:\n  - app-misc\/viewer/,
  );
  t.regex(err.hint ?? '', /Build them with `binfarm run science`/);
  t.regex(err.hint ?? '', /Add app-misc\/other, dev-libs\/ghost to the sets of a subject/);
});
