import test from 'ava';
import { renderSubject } from '../../core/portage/render-subject.ts';
import { renderPortage } from '../../core/portage/render/index.ts';
import { buildPortageModel } from '../../core/portage/build-model.ts';
import { assertGolden, farmOf } from './helpers.ts';
import { DBG_DIR, FULL } from './configs.ts';

test('golden: every file kind (custom profile, make.conf as one file, two-level subject chain)', async (t) => {
  const { files } = await renderSubject(farmOf(FULL), 'hep-root');
  await assertGolden(t, 'full-hep-root', files);
});

test('golden: dbg per package, make.conf as a directory, no custom profile, ptrace granted', async (t) => {
  const { files } = await renderSubject(farmOf(DBG_DIR), 'hep-core');
  await assertGolden(t, 'dbg-dir-hep-core', files);
});

test('determinism: two renders from fresh farms are byte-identical, keys sorted', async (t) => {
  for (const [config, subject] of [[FULL, 'hep-root'], [DBG_DIR, 'hep-core']] as const) {
    const a = await renderSubject(farmOf(config), subject);
    const b = await renderSubject(farmOf(config), subject);
    t.deepEqual([...a.files.entries()], [...b.files.entries()]);
    const keys = [...a.files.keys()];
    t.deepEqual(keys, [...keys].sort());
    // rendering the same model twice is identical too, and does not mutate the model
    const model = await buildPortageModel(farmOf(config), subject);
    const snapshot = JSON.stringify(model);
    t.deepEqual([...renderPortage(model).entries()], [...renderPortage(model).entries()]);
    t.is(JSON.stringify(model), snapshot);
  }
});
