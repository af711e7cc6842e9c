/**
 * HEP layers through the real runner and Docker engine, on the pipeline fixture (a busybox
 * stage3-like image whose `emerge` is a FIXTURE: it "builds" every atom of the requested sets
 * with the USE flags package.use gives it and records them in /usr/share/binfarm-fixture/).
 * What is real: config, plugins, planning, applyPatches, the image commits, the smoke runs.
 */
import test from 'ava';
import { join } from 'node:path';
import { hep } from '@binfarm/plugin-hep';
import { smoke } from '@binfarm/plugin-smoke';
import type { Farm } from '../../core/farm.ts';
import { dockerForTests } from '../helpers/docker.ts';
import { pipelineEnv, readCalls } from '../pipeline/helpers.ts';
import { REPO_ROOT } from './_farm.ts';

/** hep-core of this repository, its overlays and context given as absolute paths (the farm lives in a temp dir). */
const hepCore = () => hep({ layers: ['hep-core'], overlays: [join(REPO_ROOT, 'root.01.d')], context: join(REPO_ROOT, 'context.01.d') });

/**
 * A test plugin that swaps the HEP smoke tests for checks the fixture can pass: the flags the
 * fixture emerge saw, and the files applyPatches put into the image.
 */
const fixtureChecks = {
  name: 'fixture-checks',
  apply(farm: Farm) {
    farm.hooks.subjects.tap({ name: 'fixture-checks', stage: 20 }, (subjects) => {
      subjects['hep-core']!.smoke = [
        { name: 'clhep built with threads', cmd: ['cat', '/usr/share/binfarm-fixture/sci-physics/clhep'], expect: /USE="threads"/ },
        { name: 'hdf5 without threads', cmd: ['cat', '/usr/share/binfarm-fixture/sci-libs/hdf5'], expect: /USE="cxx hl zlib"/ },
        { name: 'context in the image', cmd: ['test', '-f', '/var/lib/binfarm/context/smoke/hello.C'] },
        {
          name: 'on-disk tmpdir',
          cmd: ['/bin/sh', '-c', '. /etc/portage/env/no-tmpfs.conf && test -d "$PORTAGE_TMPDIR" && echo "$PORTAGE_TMPDIR"'],
          expect: '/var/tmp/portage-ondisk',
        },
        { name: 'one python', cmd: ['grep', '-c', 'PYTHON_SINGLE_TARGET=.*python3_13', '/etc/portage/make.conf'], expect: /^[1-9]/ },
      ];
      return subjects;
    });
  },
};

test.serial('hep-core builds through the whole pipeline: its sets, flags, overlays and context reach the image', async (t) => {
  const env = await pipelineEnv(t, 'hep');
  const farm = env.farm((c) => {
    c.subjects = {};
    c.plugins = [hepCore(), fixtureChecks];
    c.targets = ['hep-core'];
  });
  const r = await env.run(farm);
  t.is(r.status, 'done', JSON.stringify(r.failures));
  t.deepEqual([...r.summary.built].sort(), ['base', 'hep-core']);
  const [call] = readCalls(r.runDir, 'hep-core');
  t.is(call!.argv.at(-1), '@hep-core');

  const docker = await dockerForTests();
  const images = await docker.listImages({ filters: { label: ['binfarm.hep.layer=hep-core'] } });
  const ours = images.find((i) => (i.RepoTags ?? []).some((tag) => tag.startsWith(`${env.prefix}/hep-core`)));
  t.truthy(ours, 'the committed image carries the HEP labels');
  t.like(ours!.Labels, { 'binfarm.hep.layer': 'hep-core', 'binfarm.hep.variant': 'headless', 'binfarm.hep.python': 'python3_13' });
});

test.serial("the layers' own smoke tests run in the image and fail the subject when the tools are missing", async (t) => {
  const env = await pipelineEnv(t, 'hepsmoke');
  const farm = env.farm((c) => {
    c.subjects = {};
    c.plugins = [hepCore(), smoke()];
    c.targets = ['hep-core', 'smoke'];
  });
  const r = await env.run(farm);
  t.is(r.status, 'failed');
  t.deepEqual([...r.summary.failed].sort(), ['hep-core', 'smoke']);
  for (const f of r.failures) {
    t.is(f.phase, 'package', f.subject);
    // RunResult.failures carry { code, message, hint } of the phase error (the package phase's PluginError)
    const e = f.error as { message: string };
    t.regex(e.message, new RegExp(`smoke test\\(s\\) of subject "${f.subject}" failed`));
    const expected = f.subject === 'smoke' ? ['tree', 'hello', 'jq'] : ['clhep-config', 'HepMC3-config', 'gsl-config', 'numpy for python3.13'];
    for (const name of expected) t.regex(e.message, new RegExp(`\\n  ${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `), `${f.subject}: ${name}`);
  }
});
