/**
 * A plan on the real engine first inspects the images the subjects' states name
 * (core/plan/trusted-images.ts, statedImages): when they let every subject skip, the image lists
 * (a walk over all of the engine's images) are not asked for. Anything else — an image gone,
 * retagged, not promoted, another farm's — goes to the lists, and the plan is what they give.
 */
import test from 'ava';
import { execa } from 'execa';
import { planRun } from '../../core/plan/plan.ts';
import { readSubjectState, writeSubjectState } from '../../core/plan/state.ts';
import { statedImages } from '../../core/plan/trusted-images.ts';
import { resolveStateDir } from '../../core/run/paths.ts';
import type { Engine } from '../../core/engine/types.ts';
import { emergeFixtureImage } from '../fixtures/emerge/image.ts';
import { labelledImage } from '../helpers/labelled-image.ts';
import { testEngine } from '../engine/helpers.ts';
import { DIGESTS, dagConfig, makeFarm, recordBuild } from './helpers.ts';

/** The engine, counting its image lists. */
function counting(engine: Engine): { engine: Engine; lists: () => number } {
  let lists = 0;
  const wrapped = new Proxy(engine, {
    get(target, prop) {
      if (prop === 'listImages') return (...args: Parameters<Engine['listImages']>) => (lists++, target.listImages(...args));
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { engine: wrapped, lists: () => lists };
}

test.serial('states naming promoted images: skipped without the image lists; a retagged image is found by the lists', async (t) => {
  const base = await emergeFixtureImage();
  const prefix = `binfarm-test-stated-${process.pid}`;
  const tags: string[] = [];
  t.teardown(async () => {
    await execa('docker', ['rmi', '-f', ...tags], { reject: false });
  });
  const farm = makeFarm({ ...dagConfig(), imagePrefix: prefix, stage3: { type: 'local', image: base } });
  const stateDir = resolveStateDir(farm.options, farm.rootDir);
  // The digests the states recorded, as a run's source resolution would give them.
  const sources = { stage3: DIGESTS.stage3, tree: DIGESTS.tree, repos: [], notes: [], ms: 0, indexes: async () => undefined };
  const ids: Record<string, string> = {};
  let parent: string | null = null;
  for (const name of ['base', 'hep-core']) {
    const key: string = await recordBuild(farm, name, parent);
    const ref = `${prefix}/${name}:${key.slice(0, 12)}`;
    tags.push(ref);
    ids[name] = await labelledImage(base, ref, { 'binfarm.owned': '1', 'binfarm.subject': name, 'binfarm.key': key, 'binfarm.tested': key });
    const state = (await readSubjectState(stateDir, name))!;
    await writeSubjectState(stateDir, { ...state, image: { ref, id: ids[name]! } });
    parent = key;
  }
  const real = await testEngine(t, { tag: 'stated' });

  const quick = counting(real);
  const plan = await planRun(farm, ['hep-core'], { engine: async () => quick.engine, sources });
  t.deepEqual(
    plan.order.map((p) => [p.subject.name, p.action, p.image?.id]),
    [
      ['base', 'skip', ids.base],
      ['hep-core', 'skip', ids['hep-core']],
    ],
  );
  t.true(plan.checkedImages);
  t.is(quick.lists(), 0, 'no image list asked for');

  // The state's tag is gone, the image is still there under another tag of this farm: the lists find it.
  const other = `${prefix}/hep-core:elsewhere`;
  tags.push(other);
  await execa('docker', ['tag', tags[1]!, other]);
  await execa('docker', ['rmi', tags[1]!]);
  const listed = counting(real);
  const plan2 = await planRun(farm, ['hep-core'], { engine: async () => listed.engine, sources });
  t.deepEqual(
    plan2.order.map((p) => [p.subject.name, p.action, p.image?.ref]),
    [
      ['base', 'skip', tags[0]],
      ['hep-core', 'skip', other],
    ],
  );
  t.is(listed.lists(), 2, 'promoted and pending images listed');

  // The image gone altogether: built again, as the lists say.
  await execa('docker', ['rmi', other]);
  const plan3 = await planRun(farm, ['hep-core'], { engine: async () => real, sources });
  t.deepEqual(
    plan3.order.map((p) => [p.subject.name, p.action, p.reasons[0]?.change]),
    [
      ['base', 'skip', undefined],
      ['hep-core', 'build', 'image missing'],
    ],
  );
});

test.serial("statedImages applies the lists' rules: promoted or vouched for, this farm only, every state needed", async (t) => {
  const base = await emergeFixtureImage();
  const prefix = `binfarm-test-stated-rules-${process.pid}`;
  const key = `a1${'0'.repeat(62)}`;
  const refs = { promoted: `${prefix}/s:promoted`, unmarked: `${prefix}/s:unmarked`, theirs: `binfarm-test-stated-other-${process.pid}/s:x` };
  t.teardown(async () => {
    await execa('docker', ['rmi', '-f', ...Object.values(refs)], { reject: false });
  });
  const owned = { 'binfarm.owned': '1', 'binfarm.subject': 's', 'binfarm.key': key };
  const promoted = await labelledImage(base, refs.promoted, { ...owned, 'binfarm.tested': key });
  const unmarked = await labelledImage(base, refs.unmarked, owned);
  await labelledImage(base, refs.theirs, { ...owned, 'binfarm.tested': key, 'binfarm.test-farm': 'other' });
  const engine = await testEngine(t, { tag: 'stated-rules' });
  const state = (ref: string, id: string, k = key) => ({ key: k, image: { ref, id } }) as never;

  t.is((await statedImages(engine, [state(refs.promoted, 'sha256:other')], prefix))!.get(key)?.id, promoted);
  t.is((await statedImages(engine, [state(refs.unmarked, unmarked)], prefix))!.get(key)?.id, unmarked, 'vouched for by its state');
  t.is((await statedImages(engine, [state(refs.unmarked, 'sha256:0')], prefix))!.size, 0, 'unmarked, another id');
  t.is((await statedImages(engine, [state(refs.theirs, 'sha256:0')], prefix))!.size, 0, "another farm's image");
  t.is((await statedImages(engine, [state(`${prefix}/s:gone`, 'sha256:0'), state('Not A Ref!', 'x')], prefix))!.size, 0);
  t.is(await statedImages(engine, [state(refs.promoted, promoted), undefined], prefix), undefined);
});
