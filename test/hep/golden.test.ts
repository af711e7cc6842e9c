/**
 * Golden files: the Portage configuration every HEP layer renders, per variant, through the
 * real model builder and renderer (core/portage). Only what the HEP layers contribute is
 * compared — their package.* files, sets, env files and make.conf variables — so a change of
 * the farm-wide defaults does not churn these files.
 *
 * After an intended change: BINFARM_UPDATE_GOLDEN=1 npx ava test/hep/golden.test.ts
 * and review `git diff test/hep/golden`.
 */
import test from 'ava';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderSubject } from '../../core/portage/render-subject.ts';
import { hep, type HepOptionsInput } from '@binfarm/plugin-hep';
import { farmWith } from './_farm.ts';

const GOLDEN = fileURLToPath(new URL('./golden/', import.meta.url));
const UPDATE = process.env.BINFARM_UPDATE_GOLDEN === '1';

const SCENARIOS: Record<string, { hep: HepOptionsInput; config?: Record<string, unknown> }> = {
  headless: { hep: {} },
  graphics: { hep: { variant: 'graphics' } },
  'opengl-science': {
    hep: { geantOpengl: true, science: true, rivetAnalyses: true, hdf5Unsupported: true, pythonTarget: 'python3_12' },
    config: { overlays: [{ name: 'science', source: { type: 'dir', path: '/srv/overlays/science' } }] },
  },
};

/** A subject's contribution to /etc/portage as one stable text. */
async function snapshot(scenario: string, subject: string): Promise<string> {
  const s = SCENARIOS[scenario]!;
  const farm = farmWith({ ...s.config, plugins: [hep(s.hep)] });
  const { model, files } = await renderSubject(farm, subject);
  const out = [`# HEP golden: scenario "${scenario}", subject "${subject}"`];
  for (const c of model.makeConf.filter((c) => /^5\d-/.test(c.contributor))) {
    out.push(`== make.conf variables of ${c.contributor}`, ...Object.entries(c.vars).map(([k, v]) => `${k}="${v}"`));
  }
  for (const [path, content] of files) {
    const ours = /^package\.[a-z_]+\/5\d-/.test(path) || path.startsWith('sets/') || path.startsWith('env/');
    if (ours) out.push(`== ${path}`, content.trimEnd());
  }
  return `${out.join('\n')}\n`;
}

for (const scenario of Object.keys(SCENARIOS)) {
  const layers = hep(SCENARIOS[scenario]!.hep).resolution.layers;
  for (const subject of layers) {
    test(`golden: ${scenario} / ${subject}`, async (t) => {
      const actual = await snapshot(scenario, subject);
      const file = join(GOLDEN, scenario, `${subject}.txt`);
      if (UPDATE) {
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, actual);
        t.pass(`updated ${file}`);
        return;
      }
      const expected = await readFile(file, 'utf8').catch(() => undefined);
      if (expected === undefined) {
        t.fail(`no golden file ${file}; create it with BINFARM_UPDATE_GOLDEN=1 npx ava test/hep/golden.test.ts and review it`);
        return;
      }
      t.is(actual, expected, `rendered Portage config of ${subject} (${scenario}) differs from ${file}`);
    });
  }
}

test('the golden scenarios cover every layer in both variants', (t) => {
  const covered = new Set(Object.values(SCENARIOS).flatMap((s) => hep(s.hep).resolution.layers.map((l) => `${l}:${hep(s.hep).resolution.variants[l]}`)));
  for (const l of ['hep-root', 'mc-sim', 'mc-sim-vmc', 'analysis', 'dev-tools']) {
    t.true(covered.has(`${l}:headless`), `${l} headless`);
    t.true(covered.has(`${l}:graphics`), `${l} graphics`);
  }
  for (const l of ['hep-core', 'mc-gen', 'serving']) t.true(covered.has(`${l}:headless`), l);
});
