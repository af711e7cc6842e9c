import { resolve } from 'node:path';
import { BinfarmError, definePackageSets, STAGE_AFTER_BUILTIN, STAGE_BEFORE_BUILTIN, STAGE_LAST, type Farm, type Plugin, type RunContext } from 'binfarm';
import { imageManifest, writeManifest, type ImageManifest } from './src/manifest.ts';
import { parseOptions, type ExampleGroupOptions } from './src/options.ts';

export { imageManifest, writeManifest, type ImageManifest, type ExampleGroupOptions };

export const PLUGIN_NAME = 'example-group';

/** Manifests noted in the publish phase, written in `done` (per run, in run.data). */
function staged(run: RunContext): Map<string, ImageManifest> {
  let m = run.data.get(PLUGIN_NAME) as Map<string, ImageManifest> | undefined;
  if (!m) run.data.set(PLUGIN_NAME, (m = new Map()));
  return m;
}

/** `binfarm run --publish` or `run.publish: true` (the built-in publish's own test). */
function publishing(run: RunContext): boolean {
  return run.publish ?? run.options.run.publish;
}

/**
 * @binfarm/plugin-example-group — how a group extends the HEP farm with a plugin of its own
 * (docs/plugins.md walks through it):
 *  1. a layer of its own on top of a HEP layer (`group-analysis` on `analysis`), via `hooks.subjects`;
 *  2. a USE change of a package another plugin owns (ROOT `davix`), via `hooks.atom.for('sci-physics/root')`;
 *  3. a publish target: a JSON manifest of each published image is written into `manifestDir`
 *     (the group's catalogue), noted in `hooks.publish` and written in `hooks.done` at a later
 *     stage than the built-in publish, i.e. after the images were pushed.
 */
export function exampleGroup(input: ExampleGroupOptions): Plugin {
  const o = parseOptions(input);
  return {
    name: PLUGIN_NAME,
    version: '0.1.0',
    apply(farm: Farm) {
      // 1. the group's layer; a later stage, so the HEP layers are there whatever the plugin order
      farm.hooks.subjects.tap({ name: PLUGIN_NAME, stage: STAGE_AFTER_BUILTIN }, (subjects) => {
        if (subjects[o.name])
          throw new BinfarmError('E_SUBJECT', `subject "${o.name}" already exists (from ${subjects[o.name]!.contributedBy ?? 'the config'})`, {
            hint: 'Pass another name: exampleGroup({ name: "..." }).',
          });
        if (!subjects[o.parent]) {
          throw new BinfarmError('E_SUBJECT', `the group layer "${o.name}" stands on "${o.parent}", which no plugin or config defines`, {
            hint: `Add hep() to plugins and keep "${o.parent}" in hep({ layers }); known subjects: ${Object.keys(subjects).join(', ')}.`,
          });
        }
        subjects[o.name] = {
          parent: o.parent,
          description: 'the group\'s analysis layer: symbolic maths and progress bars on top of the HEP analysis layer',
          sets: definePackageSets({ [o.name]: { 'dev-python/sympy': {}, 'dev-python/tqdm': {} } }),
          smoke: [{ name: 'group python', cmd: [o.python, '-c', 'import sympy, tqdm; print("group-ok", sympy.__version__)'], expect: /group-ok/ }],
          labels: { 'binfarm.group': o.name },
          contributedBy: PLUGIN_NAME,
        };
        return subjects;
      });

      // 2. a USE change on an atom of another plugin's layer (a waterfall: return the changed spec)
      farm.hooks.atom.for('sci-physics/root').tap(PLUGIN_NAME, (spec) => {
        const drop = new Set(o.rootUse.map((f) => (f.startsWith('-') ? f.slice(1) : `-${f}`)));
        return { ...spec, use: [...(spec.use ?? []).filter((f) => !drop.has(f)), ...o.rootUse] };
      });

      // 3. a publish target. The built-in publish stages images in the `publish` phase and pushes
      //    them in `done` once the whole run succeeded; the group's catalogue follows the same
      //    rhythm: note the image while publishing (before the built-in, returning undefined so
      //    the phase goes on), write the manifests at a later stage of `done`, after the pushes.
      farm.hooks.publish.tapPromise({ name: PLUGIN_NAME, stage: STAGE_BEFORE_BUILTIN }, async (build) => {
        const subject = build.subject.name;
        if (o.manifestSubjects !== 'all' && !o.manifestSubjects.includes(subject)) return undefined;
        if (!publishing(build.run)) return undefined;
        if (!build.image) {
          throw new BinfarmError('E_PUBLISH', `subject "${subject}" has no committed image to describe`, {
            hint: 'The package phase commits the image; it did not run or did not set build.image.',
          });
        }
        staged(build.run).set(subject, imageManifest(build));
        return undefined;
      });
      farm.hooks.done.tapPromise({ name: PLUGIN_NAME, stage: STAGE_LAST }, async (run) => {
        const manifests = staged(run);
        for (const [subject, manifest] of manifests) {
          const path = resolve(run.rootDir, o.manifestDir, `${subject}.json`);
          await writeManifest(path, { ...manifest, publishedAt: new Date().toISOString() });
          run.logger.info(`manifest of ${manifest.image.ref} written to ${path}`);
        }
        manifests.clear();
      });
    },
  };
}

export default exampleGroup;
