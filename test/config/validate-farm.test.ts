/**
 * Values that used to fail late (at `docker commit`, or only in `assemble`) fail when the config
 * loads: exit 2, the key path, and the plugin that contributed the value.
 */
import test from 'ava';
import { configTs, makeProject } from './_project.ts';
import { cli } from '../cli/_cli.ts';
import { repositoryProblem } from '../../core/config/image-name.ts';

const NO_DOCKER = { DOCKER_HOST: 'unix:///nonexistent.sock' };

test('repository prefixes: hosts, ports, components', (t) => {
  for (const ok of ['binfarm', 'hep', 'my-group/hep', 'a__b.c-d', '127.0.0.1:5000/hep', 'localhost/x', 'registry.example.org/hep/images']) t.is(repositoryProblem(ok), undefined, ok);
  t.regex(repositoryProblem('HEP')!, /"HEP" is not a valid path component/);
  t.regex(repositoryProblem('hep/')!, /empty path component/);
  t.regex(repositoryProblem('127.0.0.1:5000')!, /not a valid path component|no repository path/);
  t.regex(repositoryProblem('bad_host_:5000/x')!, /not a registry host/);
  t.regex(repositoryProblem('a..b')!, /not a valid path component/);
});

test('an invalid imagePrefix or registry.url is a config error at load (exit 2), before any build', async (t) => {
  const dir = makeProject(t, { 'binfarm.config.ts': configTs(`{ imagePrefix: 'My_Group', registry: { url: 'https://registry:5000/hep' } }`) });
  const r = await cli(['plan'], { cwd: dir, env: NO_DOCKER });
  t.is(r.exitCode, 2, r.stderr);
  t.regex(r.stderr, /✖ imagePrefix: "My_Group" cannot prefix Docker image names: "My_Group" is not a valid path component/);
  t.regex(r.stderr, /✖ registry\.url: "https:\/\/registry:5000\/hep" is not a registry repository prefix/);
});

test('assemble entries are checked when the config loads: unknown from, bad atom, a subject name', async (t) => {
  const subjects = `subjects: { science: { sets: { s: { 'app-misc/viewer': {} } } } }`;
  const from = makeProject(t, { 'binfarm.config.ts': configTs(`{ ${subjects}, assemble: { env: { from: 'sciense', with: ['app-misc/viewer'] } } }`) });
  const a = await cli(['plan'], { cwd: from, env: NO_DOCKER });
  t.is(a.exitCode, 2, a.stderr);
  t.regex(a.stderr, /assembly "env": assemble\.env\.from names "sciense", which is not a subject/);
  const atom = makeProject(t, { 'binfarm.config.ts': configTs(`{ ${subjects}, assemble: { env: { from: 'science', with: ['>=app-misc/viewer'] } } }`) });
  const b = await cli(['plan'], { cwd: atom, env: NO_DOCKER });
  t.is(b.exitCode, 2, b.stderr);
  t.regex(b.stderr, /binfarm\.config\.ts: assemble\.env\.with\[0\]: ">=app-misc\/viewer": invalid atom/);
  const clash = makeProject(t, { 'binfarm.config.ts': configTs(`{ ${subjects}, assemble: { science: { from: 'base', with: ['app-misc/viewer'] } } }`) });
  const c = await cli(['plan'], { cwd: clash, env: NO_DOCKER });
  t.is(c.exitCode, 2, c.stderr);
  t.regex(c.stderr, /assemble\.science: "science" is the name of a subject/);
});

test('a parent cycle is a config error (exit 2); a plugin subject with an unknown parent names the plugin and the nearest subject', async (t) => {
  const cycle = makeProject(t, { 'binfarm.config.ts': configTs(`{ subjects: { a: { parent: 'b' }, b: { parent: 'a' } } }`) });
  const r = await cli(['plan'], { cwd: cycle, env: NO_DOCKER });
  t.is(r.exitCode, 2, r.stderr);
  t.regex(r.stderr, /subjects form a cycle: a → b → a/);
  const plugin = `{ name: 'physics-extras', apply(farm) { farm.hooks.subjects.tap('physics-extras', (s) => ({ ...s, extras: { parent: 'hep-cor', contributedBy: 'physics-extras' } })); } }`;
  const dir = makeProject(t, { 'binfarm.config.ts': configTs(`{ subjects: { 'hep-core': {} }, plugins: [${plugin}] }`) });
  const p = await cli(['plan'], { cwd: dir, env: NO_DOCKER });
  t.is(p.exitCode, 2, p.stderr);
  t.regex(p.stderr, /subject "extras" \(contributed by plugin "physics-extras"\) has unknown parent "hep-cor" \(did you mean "hep-core"\?\)/);
  const typo = await cli(['plan', 'hep-cor'], { cwd: makeProject(t, { 'binfarm.config.ts': configTs(`{ subjects: { 'hep-core': {} } }`) }), env: NO_DOCKER });
  t.is(typo.exitCode, 2);
  t.regex(typo.stderr, /unknown subject "hep-cor" \(did you mean "hep-core"\?\)/);
});

test('an atom hook for a package no set contains is a warning naming the plugin and the nearest atom; a used one is not', async (t) => {
  const plugin = `{ name: 'root-tuner', apply(farm) {
    farm.hooks.atom.for('sci-physic/root').tap('root-tuner', (spec) => spec);
    farm.hooks.atom.for('app-misc/viewer').tap('root-tuner', (spec) => spec);
    farm.hooks.atom.for('dev-libs/mylib').tap('root-tuner', (spec) => spec);
  } }`;
  // dev-libs/mylib is only a dep of the viewer: the atom hook runs for deps too, so no warning
  const sets = `{ s: { 'app-misc/viewer': { deps: { 'dev-libs/mylib': { use: ['static'] } } }, '>=sci-physics/root-6.30': {} } }`;
  const dir = makeProject(t, {
    'binfarm.config.ts': configTs(`{ subjects: { science: { sets: ${sets} } }, plugins: [${plugin}] }`),
  });
  const r = await cli(['plan'], { cwd: dir, env: NO_DOCKER });
  t.is(r.exitCode, 0, r.stderr);
  t.regex(r.stderr, /warning: plugin "root-tuner" taps hooks\.atom for "sci-physic\/root", which no package set of any subject contains: the tap never runs \(did you mean "sci-physics\/root"\?\)/);
  t.false(r.stderr.includes('"app-misc/viewer", which no package set'));
  t.false(r.stderr.includes('"dev-libs/mylib", which no package set'), r.stderr);
});
