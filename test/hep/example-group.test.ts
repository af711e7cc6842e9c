import test from 'ava';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hep } from '@binfarm/plugin-hep';
import { exampleGroup } from '@binfarm/plugin-example-group';
import type { Farm } from '../../core/farm.ts';
import { STAGE_FIRST } from '../../core/types.ts';
import type { RunContext, SubjectBuild } from '../../core/run/context.ts';
import { createLogger } from '../../core/log/logger.ts';
import { farmWith, innerError, linesUnder, rendered } from './_farm.ts';

/** The log lines of a run, in order. */
type Log = string[];

/** A RunContext as the runner makes it (publishing on or off), logging into `log`. */
function runContext(farm: Farm, rootDir: string, publish: boolean, log: Log): RunContext {
  return {
    runId: '20260105-120000-abcd',
    runDir: join(rootDir, '.binfarm/runs/x'),
    stateDir: join(rootDir, '.binfarm'),
    cacheDir: join(rootDir, '.cache'),
    rootDir,
    options: farm.options,
    command: 'run',
    signal: new AbortController().signal,
    logger: createLogger('run', (origin, type, args) => log.push(`${origin} ${type}: ${args.map(String).join(' ')}`)),
    engine: () => Promise.reject(new Error('no engine in this test')),
    data: new Map(),
    farm,
    publish,
  };
}

/** A SubjectBuild as the runner hands it to the publish phase after `package` committed the image. */
function publishedBuild(run: RunContext, subject: string): SubjectBuild {
  const farm = run.farm!;
  return {
    run,
    subject: farm.subject(subject),
    parent: undefined,
    logger: run.logger.child(subject),
    progress: { output: () => {}, title: () => {} },
    logFile: join(run.runDir, `${subject}.log`),
    key: 'f'.repeat(64),
    image: { ref: `binfarm/${subject}:f${'0'.repeat(11)}`, id: `sha256:${'a'.repeat(64)}` },
    partition: join(run.stateDir, 'binhost/amd64-opt-test'),
    phases: [],
    data: new Map(),
  };
}

test('example-group composes with hep: its layer stands on analysis, whatever the plugin order', (t) => {
  for (const plugins of [
    [hep(), exampleGroup({ manifestDir: 'manifests' })],
    [exampleGroup({ manifestDir: 'manifests' }), hep()],
  ]) {
    const farm = farmWith({ plugins });
    const group = farm.subject('group-analysis');
    t.is(group.parent, 'analysis');
    t.is(group.contributedBy, 'example-group');
    t.deepEqual(Object.keys(group.sets['group-analysis']!), ['dev-python/sympy', 'dev-python/tqdm']);
  }
});

test("its atom hook changes ROOT's USE in the rendered package.use of every layer carrying ROOT", async (t) => {
  const farm = farmWith({ plugins: [hep({ layers: ['analysis'] }), exampleGroup({ manifestDir: 'manifests', rootUse: ['davix', '-tmva'] })] });
  for (const subject of ['hep-root', 'analysis', 'group-analysis']) {
    const root = linesUnder(await rendered(farm, subject), 'package.use').find((l) => l.startsWith('sci-physics/root:6 '));
    t.truthy(root, subject);
    const flags = root!.split(' ').slice(1);
    t.true(flags.includes('davix'), `${subject}: ${root}`);
    t.true(flags.includes('-tmva') && !flags.includes('tmva'), `${subject}: the group's "-tmva" replaces the layer's "tmva"`);
    t.true(flags.includes('-pythia8'), 'the HEP flags stay');
  }
  // without the group plugin, ROOT has no davix
  const plain = farmWith({ plugins: [hep({ layers: ['hep-root'] })] });
  t.false(linesUnder(await rendered(plain, 'hep-root'), 'package.use').some((l) => l.includes('davix')));
});

test("the group's layer inherits the HEP Portage config and adds its own set", async (t) => {
  const farm = farmWith({ plugins: [hep(), exampleGroup({ manifestDir: 'manifests' })] });
  const files = await rendered(farm, 'group-analysis');
  t.is(files.get('sets/group-analysis')?.split('\n').filter((l) => l && !l.startsWith('#')).join(' '), 'dev-python/sympy dev-python/tqdm');
  t.truthy(files.get('sets/analysis'));
  t.true(linesUnder(files, 'package.license').includes('sci-physics/root:6 MSttfEULA freedist'));
  t.regex(files.get('make.conf')!, /PYTHON_SINGLE_TARGET="-\* python3_13"/);
});

test('a group hook that breaks a HEP rule is stopped by the HEP plugin', async (t) => {
  const farm = farmWith({ plugins: [hep({ layers: ['hep-root'] }), exampleGroup({ manifestDir: 'm', parent: 'hep-root', rootUse: ['pythia8'] })] });
  const e = await innerError(() => rendered(farm, 'hep-root'));
  t.is(e.code, 'E_SUBJECT');
  t.regex(e.message, /hep rule "root-no-pythia8" is broken in subject "hep-root"/);
});

test('its publish target writes a manifest of each published image after the built-in publish pushed it', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'binfarm-example-group-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const farm = farmWith({ plugins: [hep(), exampleGroup({ manifestDir: 'catalogue/images' })] });
  t.true(farm.hooks.publish.taps.some((tap) => tap.name === 'binfarm:publish'), 'the built-in publish is there');
  const log: Log = [];
  const run = runContext(farm, dir, true, log);

  // the publish phase of two subjects: the group's is noted, the built-in stages both
  const group = publishedBuild(run, 'group-analysis');
  t.is(await farm.hooks.publish.promise(group), 'staged; published when the run succeeds', 'the built-in still handles the phase');
  await farm.hooks.publish.promise(publishedBuild(run, 'hep-root'));
  await t.throwsAsync(readdir(join(dir, 'catalogue')), { code: 'ENOENT' }, 'nothing is written before the run succeeded');

  // the run succeeded: the built-in publishes (no registry, no targets here), then the catalogue
  await farm.hooks.done.promise(run, { built: ['hep-root', 'group-analysis'], skipped: [], failed: [] });
  t.deepEqual(await readdir(join(dir, 'catalogue/images')), ['group-analysis.json'], 'only the group layer, and no temp file left behind');
  const pushedAt = log.findIndex((l) => l.includes('registry.url is not set'));
  const writtenAt = log.findIndex((l) => /manifest of binfarm\/group-analysis:f0+ written to .*group-analysis.json/.test(l));
  t.true(pushedAt >= 0 && writtenAt > pushedAt, log.join('\n'));

  const manifest = JSON.parse(await readFile(join(dir, 'catalogue/images/group-analysis.json'), 'utf8'));
  t.like(manifest, {
    schema: 'binfarm-example-group/manifest@1',
    subject: 'group-analysis',
    parent: 'analysis',
    image: group.image,
    key: group.key,
    registry: null,
    partition: group.partition,
    runId: '20260105-120000-abcd',
    sets: { 'group-analysis': ['dev-python/sympy', 'dev-python/tqdm'] },
    smoke: ['group python'],
  });
  t.false(Number.isNaN(Date.parse(manifest.publishedAt)));

  // manifestSubjects: 'all' describes every published subject
  const all = farmWith({ plugins: [hep(), exampleGroup({ manifestDir: 'all', manifestSubjects: 'all' })] });
  const run2 = runContext(all, dir, true, []);
  await all.hooks.publish.promise(publishedBuild(run2, 'hep-root'));
  await all.hooks.done.promise(run2, { built: ['hep-root'], skipped: [], failed: [] });
  t.deepEqual(await readdir(join(dir, 'all')), ['hep-root.json']);
});

test('no manifest when the run does not publish, or when another tap claims the phase first', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'binfarm-example-group-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const farm = farmWith({ plugins: [hep(), exampleGroup({ manifestDir: 'm' })] });
  const off = runContext(farm, dir, false, []);
  t.regex(String(await farm.hooks.publish.promise(publishedBuild(off, 'group-analysis'))), /not published/);
  await farm.hooks.done.promise(off, { built: ['group-analysis'], skipped: [], failed: [] });
  t.false((await readdir(dir)).includes('m'));

  const claimed = farmWith({
    plugins: [
      { name: 'claimer', apply: (f: Farm) => f.hooks.publish.tapPromise({ name: 'claimer', stage: STAGE_FIRST }, async () => 'published elsewhere') },
      hep(),
      exampleGroup({ manifestDir: 'm' }),
    ],
  });
  const on = runContext(claimed, dir, true, []);
  t.is(await claimed.hooks.publish.promise(publishedBuild(on, 'group-analysis')), 'published elsewhere');
  await claimed.hooks.done.promise(on, { built: ['group-analysis'], skipped: [], failed: [] });
  t.false((await readdir(dir)).includes('m'));
});

test('a build without an image is a publish error naming the subject', async (t) => {
  const farm = farmWith({ plugins: [hep(), exampleGroup({ manifestDir: 'm' })] });
  const build = { ...publishedBuild(runContext(farm, tmpdir(), true, []), 'group-analysis'), image: undefined };
  const e = await innerError(() => farm.hooks.publish.promise(build));
  t.is(e.code, 'E_PUBLISH');
  t.regex(e.message, /subject "group-analysis" has no committed image/);
});

test('bad options and a missing parent layer are named', (t) => {
  t.throws(() => exampleGroup({} as never), { message: /example-group option "manifestDir" is required/ });
  t.throws(() => exampleGroup({ manifestDir: 'm', rootUse: ['da vix'] }), { message: /example-group option "rootUse" must be a list of USE flags/ });
  t.throws(() => exampleGroup({ manifestDir: 'm', colour: 'red' } as never), { message: /example-group option "colour" does not exist/ });
  const e = t.throws(() => farmWith({ plugins: [hep({ layers: ['mc-gen'] }), exampleGroup({ manifestDir: 'm' })] }).subjects());
  t.regex(e!.message, /the group layer "group-analysis" stands on "analysis", which no plugin or config defines/);
});
