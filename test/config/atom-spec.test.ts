/**
 * An atom's settings are defined once, by AtomSpecSchema (core/config/schema/subject.ts): the
 * AtomSpec type is its output, ATOM_SPEC_KEYS its keys, and the model builder, the spec emitter
 * and the hep plugin's `extraAtoms` take their settings from it. These checks fail when a setting
 * is known to one of them and not to the others.
 */
import test from 'ava';
import type { z } from 'zod';
import { hep, HepOptionsSchema } from '@binfarm/plugin-hep';
import { ATOM_SPEC_KEYS, AtomSpecSchema } from '../../core/config/schema/subject.ts';
import type { BinfarmError } from '../../core/errors.ts';
import type { Plugin } from '../../core/plugin.ts';
import { renderSubject } from '../../core/portage/render-subject.ts';
import { emitPackageSetsTs } from '../../core/portage/spec-import/emit-ts.ts';
import type { AtomSpec } from '../../core/subject/types.ts';
import { farmOf } from '../portage/helpers.ts';

// Compile-time (tsc): the key list and the hep plugin's atom type are the schema's.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type HepExtraAtom = NonNullable<z.output<typeof HepOptionsSchema>['extraAtoms'][string]>[string];
const typesAgree: [Same<(typeof ATOM_SPEC_KEYS)[number], keyof AtomSpec>, Same<HepExtraAtom, AtomSpec>] = [true, true];

/** One valid value per setting, in the schema's order. Required<AtomSpec>: a new setting fails tsc here until it has one. */
const SAMPLE: Required<AtomSpec> = {
  use: ['qt5', '-gui'],
  accept_keywords: ['~amd64'],
  license: ['MIT'],
  mask: true,
  unmask: true,
  env: ['big.conf'],
  patches: { 'fix.patch': '--- a/x\n+++ b/x\n' },
  deps: { 'dev-libs/bar': { use: ['static-libs'] } },
};
const SETTINGS = Object.keys(SAMPLE) as Array<keyof AtomSpec>;

/** A farm whose subject "lab" has one atom with `spec`, and the env file the sample names. */
function farmWith(spec: AtomSpec, plugins: Plugin[] = []) {
  return farmOf({
    plugins,
    subjects: { lab: { sets: { tools: { 'dev-libs/foo': spec } }, portage: { files: { 'env/big.conf': 'MAKEOPTS="-j2"\n' } } } },
  });
}

test('ATOM_SPEC_KEYS are the keys of AtomSpecSchema and of AtomSpec', (t) => {
  t.deepEqual(typesAgree, [true, true]);
  t.deepEqual([...ATOM_SPEC_KEYS], Object.keys(AtomSpecSchema.shape));
  t.deepEqual([...ATOM_SPEC_KEYS], SETTINGS);
});

test('every setting is taken by the schema, the model builder, the spec emitter and the hep plugin', async (t) => {
  t.deepEqual(AtomSpecSchema.parse(SAMPLE), SAMPLE);
  const emitted = emitPackageSetsTs({ tools: { 'dev-libs/foo': SAMPLE } }, 'spec.yaml');
  for (const k of SETTINGS) {
    const one = { [k]: SAMPLE[k] } as AtomSpec;
    await t.notThrowsAsync(renderSubject(farmWith(one), 'lab'), `model builder: ${k}`);
    t.notThrows(() => hep({ extraAtoms: { 'hep-core': { 'dev-libs/foo': one } } }), `hep extraAtoms: ${k}`);
    t.regex(emitted, new RegExp(`\\b${k}: `), `spec emitter: ${k}`);
  }
});

test('an unknown setting is refused everywhere, and the known ones are listed', async (t) => {
  t.false(AtomSpecSchema.safeParse({ usee: ['x'] }).success);

  let hepMessage = '';
  try {
    hep({ extraAtoms: { 'hep-core': { 'dev-libs/foo': { usee: ['x'] } as AtomSpec } } });
  } catch (e) {
    hepMessage = (e as Error).message;
  }
  t.true(hepMessage.includes(`unknown setting "usee"; an atom takes ${ATOM_SPEC_KEYS.join(', ')}`), hepMessage);

  // An atom tap is checked after it ran: what it returns must be settings the model builder knows.
  const addsBogus: Plugin = {
    name: 'adds-bogus',
    apply: (farm) => farm.hooks.atom.for('dev-libs/foo').tap('adds-bogus', (spec) => ({ ...spec, bogus: true }) as AtomSpec),
  };
  const e = await renderSubject(farmWith({}, [addsBogus]), 'lab').then(
    () => undefined,
    (err: unknown) => err as BinfarmError,
  );
  t.is(e?.code, 'E_SUBJECT');
  t.regex(e?.message ?? '', /unknown setting "bogus"/);
  t.is(e?.hint, `Known settings: ${ATOM_SPEC_KEYS.join(', ')}.`);
});
