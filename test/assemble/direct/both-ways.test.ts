/**
 * The direct assembly against the emerge path, on the real engine with the fixture emerge: the
 * same packages assembled both ways give the same files (content, mode, owner, symlinks) and the
 * same /var/db/pkg (COUNTER values and mtimes aside) and the same SBOM (the image's name aside);
 * inside the direct image the fixture's `emerge --pretend --usepkgonly` finds nothing new to
 * merge; two direct assemblies give one image ID.
 */
import test from 'ava';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { extract } from 'tar-stream';
import { assembleImage } from '../../../core/assemble/assemble.ts';
import { collectingAssembleReporter } from '../../../core/assemble/progress.ts';
import { SBOM_PATH } from '../../../core/sbom/image-sbom.ts';
import type { SpdxDocument } from '../../../core/sbom/spdx.ts';
import { dockerForTests } from '../../helpers/docker.ts';
import { assembleEnv, buildScience, type AssembleEnv } from '../_env.ts';

let env: AssembleEnv;

test.before(async (t) => {
  env = await assembleEnv('direct');
  await buildScience(t, env);
});

test.after.always(async () => {
  await env?.cleanup();
});

interface Seen {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  link?: string;
  md5?: string;
}

/**
 * Paths an emerge run leaves besides the merge (its log, the fixture's record of calls, the work
 * directory), and what Docker puts into every container (/etc/hosts, ...): not part of a merge.
 */
const RUN_ONLY = /^(var\/log(\/|$)|var\/tmp(\/|$)|tmp(\/|$)|\.dockerenv$|etc\/(hosts|hostname|resolv\.conf)$|proc$|sys$|dev(\/|$)|assemble-root$)/;

/** An SBOM without what the image's name decides (its name, the image package's name, the namespace): the rest must be equal. */
function withoutName(data: Buffer): string {
  const doc = JSON.parse(data.toString('utf8')) as SpdxDocument;
  return JSON.stringify({ ...doc, name: '', documentNamespace: '', packages: doc.packages.map((p, i) => (i === 0 ? { ...p, name: '' } : p)) });
}

async function fsOf(image: string): Promise<Map<string, Seen>> {
  const docker = await dockerForTests();
  const c = await docker.createContainer({ Image: image, Cmd: ['/nonexistent'], Labels: { 'binfarm.owned': '1', 'binfarm.test': 'assemble' } });
  const out = new Map<string, Seen>();
  try {
    const ex = extract();
    const stream = await c.export();
    stream.pipe(ex);
    for await (const e of ex) {
      const h = e.header;
      const path = h.name.replace(/\/$/, '');
      const chunks: Buffer[] = [];
      for await (const b of e) chunks.push(b as Buffer);
      if (!path || RUN_ONLY.test(path)) continue;
      let data = Buffer.concat(chunks);
      if (/^var\/db\/pkg\/.+\/CONTENTS$/.test(path)) data = Buffer.from(data.toString().replace(/ \d+$/gm, '')); // mtimes
      if (/^var\/db\/pkg\/.+\/COUNTER$|^var\/cache\/edb\/counter$/.test(path)) data = Buffer.from('N');
      if (path === SBOM_PATH.slice(1)) data = Buffer.from(withoutName(data)); // each assembly is named differently
      out.set(path, {
        type: h.type ?? 'file',
        mode: (h.mode ?? 0) & 0o7777,
        uid: h.uid ?? 0,
        gid: h.gid ?? 0,
        ...(h.linkname ? { link: h.linkname } : {}),
        ...(h.type === 'file' ? { md5: createHash('md5').update(data).digest('hex') } : {}),
      });
    }
  } finally {
    await c.remove({ force: true });
  }
  return out;
}

test.serial('direct and emerge assemblies of the same packages give the same filesystem and /var/db/pkg', async (t) => {
  const flags = { from: 'base', with: ['app-misc/viewer'] };
  const { reporter, events } = collectingAssembleReporter();
  const direct = await assembleImage(env.farm(), 'viewer-direct', { flags, reporter });
  const viaEmerge = await assembleImage(env.farm(), 'viewer-emerge', { flags: { ...flags, via: 'emerge' } });
  t.true(
    events.some((e) => e.event === 'step:end' && e.step === 'emerge' && e.skipped === 'written directly from the binpkgs'),
    'the direct path made the image',
  );
  t.deepEqual(direct.packages, viaEmerge.packages);
  const docker = await dockerForTests();
  t.is((await docker.getImage(direct.image.id).inspect()).Config.Labels?.['binfarm.assembled-via'], 'direct');

  const [a, b] = await Promise.all([fsOf(direct.image.ref), fsOf(viaEmerge.image.ref)]);
  const differ: string[] = [];
  for (const path of new Set([...a.keys(), ...b.keys()])) {
    const x = JSON.stringify(a.get(path));
    const y = JSON.stringify(b.get(path));
    if (x !== y) differ.push(`${path}: direct ${x ?? '(absent)'} emerge ${y ?? '(absent)'}`);
  }
  t.deepEqual(differ, []);
  t.true(a.size > 100, `${a.size} paths compared`);
  for (const f of ['CONTENTS', 'BINPKGMD5', 'DEFINED_PHASES', 'USE']) t.true(a.has(`var/db/pkg/dev-libs/mylib-1.4.2/${f}`), f);
  t.true(a.has('usr/share/binfarm-fixture/app-misc/viewer'));
  t.true(a.has('var/db/pkg/app-misc/viewer-2.1/CONTENTS'));
  t.true(a.has('var/db/pkg/dev-libs/mylib-1.4.2/COUNTER'));
  t.true(a.has(SBOM_PATH.slice(1)), 'the direct image has its SBOM');

  // Portage's own view (the fixture's): nothing new to merge in the direct image
  const partition = join(env.dir, 'binhost', direct.from.partition);
  t.true(existsSync(partition), partition);
  const c = await docker.createContainer({
    Image: direct.image.ref,
    Cmd: ['emerge', '--pretend', '--usepkgonly', '--verbose', 'app-misc/viewer'],
    HostConfig: { Binds: [`${partition}:/var/cache/binpkgs:ro`] },
    Labels: { 'binfarm.owned': '1', 'binfarm.test': 'assemble' },
  });
  try {
    await c.start();
    const { StatusCode } = (await c.wait()) as { StatusCode: number };
    const out = (await c.logs({ stdout: true, stderr: true })).toString('utf8');
    t.is(StatusCode, 0, out);
    t.regex(out, /\[binary\s+R\s*\] app-misc\/viewer-2\.1/);
    t.notRegex(out, /\[binary\s+N/, out);
  } finally {
    await c.remove({ force: true });
  }
});

test.serial('two direct assemblies of the same inputs give the same image ID', async (t) => {
  const flags = { from: 'base', with: ['app-misc/viewer'] };
  const one = await assembleImage(env.farm(), 'viewer-twice', { flags });
  const docker = await dockerForTests();
  await docker.getImage(one.image.ref).remove({ force: true });
  const two = await assembleImage(env.farm(), 'viewer-twice', { flags, force: true });
  t.is(two.status, 'assembled');
  t.is(two.image.id, one.image.id);
  // a different name is a different label set: a different config, the same layers
  const other = await assembleImage(env.farm(), 'viewer-other', { flags });
  t.not(other.image.id, one.image.id);
  const layers = async (ref: string) => (await docker.getImage(ref).inspect()).RootFS.Layers ?? [];
  const [l1, l2] = [await layers(one.image.ref), await layers(other.image.ref)];
  t.deepEqual(l1.slice(0, -1), l2.slice(0, -1), 'every package layer is shared');
});
