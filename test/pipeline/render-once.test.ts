/**
 * A built subject's Portage model is rendered once per run (core/portage/portage-of-build.ts):
 * the plan renders it, the build keeps that rendering, and the files the content key hashes are
 * the Map applyPatches wrote into the build container.
 */
import test from 'ava';
import type { Farm } from '../../core/farm.ts';
import type { Plugin } from '../../core/plugin.ts';
import { fileInputs } from '../../core/plan/file-inputs.ts';
import { readSubjectState } from '../../core/plan/state.ts';
import { dockerForTests } from '../helpers/docker.ts';
import { pipelineEnv } from './helpers.ts';
import { join } from 'node:path';

/** Counts, per subject, the calls of two hooks every rendering runs, and keeps the last rendered files Map. */
function renderWatcher() {
  const models = new Map<string, number>();
  const renders = new Map<string, number>();
  const files = new Map<string, Map<string, string>>();
  const plugin: Plugin = {
    name: 'render-watcher',
    apply(farm: Farm) {
      farm.hooks.portageModel.tap('render-watcher', (model, ctx) => {
        models.set(ctx.subject.name, (models.get(ctx.subject.name) ?? 0) + 1);
        return model;
      });
      // the last renderedFiles tap: what it returns is the rendering's files Map
      farm.hooks.renderedFiles.tap({ name: 'render-watcher', stage: 1000 }, (rendered, ctx) => {
        renders.set(ctx.subject.name, (renders.get(ctx.subject.name) ?? 0) + 1);
        files.set(ctx.subject.name, rendered);
        return rendered;
      });
    },
  };
  return { plugin, models, renders, files };
}

test.serial('a built subject is rendered once per run; the key hashes the files applied into its image', async (t) => {
  const env = await pipelineEnv(t, 'render1');
  const watch = renderWatcher();
  const farm = env.farm((c) => {
    c.plugins = [watch.plugin];
    c.subjects = { 'hep-core': c.subjects!['hep-core']! };
  });
  const r = await env.run(farm, { targets: ['hep-core'] });
  t.is(r.status, 'done', JSON.stringify(r.failures));
  t.deepEqual([...r.summary.built].sort(), ['base', 'hep-core']);

  for (const name of ['base', 'hep-core']) {
    t.is(watch.models.get(name), 1, `${name}: the portageModel hook ran once (plan, applyPatches, re-key and build container share one rendering)`);
    t.is(watch.renders.get(name), 1, `${name}: rendered once`);
    const build = r.builds.get(name)!;
    const rendered = watch.files.get(name)!;
    t.is(build.portage?.files, rendered, `${name}: the build kept the one rendering`);

    // what the key hashed: its file inputs are those of that Map
    const state = (await readSubjectState(join(env.dir, 'state'), name))!;
    const hashed = Object.fromEntries(Object.entries(state.inputs).filter(([k]) => k.startsWith('file:')));
    t.deepEqual(hashed, fileInputs(rendered).inputs, `${name}: the key hashed the rendered files`);
    t.true(Object.keys(hashed).length > 0);

    // what was applied: the image has the same bytes (make.conf is merged with the stage3's, symlinks are links)
    const paths = [...rendered.keys()].filter((k) => k !== 'make.conf' && !rendered.get(k)!.startsWith('symlink:'));
    const expected = paths.map((k) => `== ${k}\n${rendered.get(k)}`).join('');
    t.is(await catInImage(t, build.image!.ref, paths), expected, `${name}: the image holds the hashed files`);
  }
});

/** `== <key>` and the file's bytes for each rendered key (relative keys are under /etc/portage), read in a container of the image. */
async function catInImage(t: import('ava').ExecutionContext, image: string, keys: string[]): Promise<string> {
  const docker = await dockerForTests();
  const script = 'for k; do printf "== %s\\n" "$k"; case "$k" in /*) cat "$k";; *) cat "/etc/portage/$k";; esac; done';
  const c = await docker.createContainer({
    Image: image,
    Cmd: ['sh', '-c', script, 'sh', ...keys],
    Labels: { 'binfarm.owned': '1', 'binfarm.test': 'pipeline' },
  });
  t.teardown(() => c.remove({ force: true }).catch(() => undefined));
  await c.start();
  await c.wait();
  const logs = await c.logs({ stdout: true, stderr: true });
  return demux(logs);
}

/** Docker's multiplexed log stream (no TTY): 8-byte frame headers, then the payload. */
function demux(buf: Buffer): string {
  const out: Buffer[] = [];
  for (let i = 0; i + 8 <= buf.length;) {
    const len = buf.readUInt32BE(i + 4);
    out.push(buf.subarray(i + 8, i + 8 + len));
    i += 8 + len;
  }
  return Buffer.concat(out).toString('utf8');
}
