import test from 'ava';
import { execa } from 'execa';
import { readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dockerForTests } from '../helpers/docker.ts';
import { startRegistry } from '../engine/registry.ts';
import { readSubjectState } from '../../core/plan/state.ts';
import { parsePackagesIndex } from '../../core/binhost/packages-index.ts';
import { dateTag } from '../../core/publish/registry.ts';
import { pipelineEnv } from './helpers.ts';

const BIN = new URL('../../bin/binfarm.js', import.meta.url).pathname;

test.serial('publish: images pushed with auth and pulled back; binhost generations, rollback and serve through the CLI', async (t) => {
  const registry = await startRegistry();
  t.teardown(() => registry.stop());
  const env = await pipelineEnv(t, 'publish');
  const docker = await dockerForTests();
  const publishConfig = (extra = false) =>
    env.config((c) => {
      c.targets = ['hep-core'];
      c.registry = { url: `${registry.host}/binfarm-test`, username: registry.user, password: registry.password, latest: true };
      c.run = { ...c.run, publish: true };
      if (extra) c.subjects!['hep-core']!.sets!['hep-core']!['sci-physics/root'] = {};
    });
  const { ConfigSchema } = await import('../../core/config/schema/index.ts');
  const { createFarm } = await import('../../core/farm.ts');
  const farmOf = (extra = false) => createFarm({ options: ConfigSchema.parse(publishConfig(extra)), rootDir: env.dir, command: 'run' });

  const r1 = await env.run(farmOf());
  t.is(r1.status, 'done', JSON.stringify(r1.failures));
  const stateDir = join(env.dir, 'state');
  const core = (await readSubjectState(stateDir, 'hep-core'))!;
  const key12 = core.key.slice(0, 12);

  // the registry holds the key, dated and latest tags (real registry, basic auth)
  const auth = `Basic ${Buffer.from(`${registry.user}:${registry.password}`).toString('base64')}`;
  t.is((await fetch(`http://${registry.host}/v2/binfarm-test/hep-core/tags/list`)).status, 401, 'the registry wants credentials');
  const tags = (await (await fetch(`http://${registry.host}/v2/binfarm-test/hep-core/tags/list`, { headers: { Authorization: auth } })).json()) as {
    tags: string[];
  };
  t.deepEqual(tags.tags.filter((x) => !x.endsWith('.att')).sort(), [dateTag(), key12, 'latest'].sort());
  // and its provenance next to it, under the tag of its manifest digest (docs/sbom.md)
  t.is(tags.tags.filter((x) => /^sha256-[0-9a-f]{64}\.att$/.test(x)).length, 1);
  t.truthy(core.published?.images?.includes(`${registry.host}/binfarm-test/hep-core:${key12}`));

  // pull it back after removing the local copy of that name
  const pushedRef = `${registry.host}/binfarm-test/hep-core:${key12}`;
  await docker.getImage(pushedRef).remove();
  const stream = await docker.pull(pushedRef, { authconfig: { username: registry.user, password: registry.password, serveraddress: registry.host } });
  await new Promise((resolve, reject) => docker.modem.followProgress(stream, (e: Error | null) => (e ? reject(e) : resolve(undefined))));
  t.teardown(() => docker.getImage(pushedRef).remove({ force: true }).catch(() => undefined));
  t.is((await docker.getImage(pushedRef).inspect()).Config.Labels?.['binfarm.key'], core.key);

  // binhost generation 1
  const pubBase = join(env.dir, 'published', core.partition.rel);
  t.is(readlinkSync(join(pubBase, 'current')), 'generations/1');
  const idx1 = parsePackagesIndex(readFileSync(join(pubBase, 'current', 'Packages'), 'utf8'));
  t.deepEqual(idx1.packages.map((p) => p.CPV).sort(), ['app-misc/hello-2.12.2', 'dev-libs/boost-1.88.0', 'sci-libs/gsl-2.8']);

  // an unchanged run publishes no new generation; a change publishes generation 2
  const r2 = await env.run(farmOf());
  t.deepEqual(r2.summary.built, []);
  t.is(readlinkSync(join(pubBase, 'current')), 'generations/1');
  const r3 = await env.run(farmOf(true));
  t.is(r3.status, 'done', JSON.stringify(r3.failures));
  t.is(readlinkSync(join(pubBase, 'current')), 'generations/2');
  t.is(parsePackagesIndex(readFileSync(join(pubBase, 'current', 'Packages'), 'utf8')).packages.length, 4);

  // the CLI on a config file: list, rollback, serve
  const fileConfig = publishConfig(true);
  for (const s of Object.values(fileConfig.subjects ?? {})) delete s.smoke;
  delete fileConfig.base!.smoke;
  writeFileSync(join(env.dir, '.binfarmrc.json'), JSON.stringify(fileConfig));
  const cli = (...args: string[]) => execa('node', [BIN, '--cwd', env.dir, ...args], { reject: false });
  const list = await cli('binhost', 'list');
  t.is(list.exitCode, 0, list.stderr);
  t.regex(list.stdout, new RegExp(`${core.partition.rel.replace(/\./g, '\\.')}  generations: 1 \\[2\\]`));
  const rb = await cli('binhost', 'rollback');
  t.is(rb.exitCode, 0, rb.stderr);
  t.regex(rb.stdout, /current 2 → 1/);
  t.is(readlinkSync(join(pubBase, 'current')), 'generations/1');

  const serve = execa('node', [BIN, '--cwd', env.dir, 'serve', '--port', '0'], { reject: false });
  t.teardown(() => serve.kill('SIGKILL'));
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    serve.stdout!.on('data', (d: Buffer) => {
      buf += d;
      const m = /at (http:\/\/127\.0\.0\.1:\d+)\//.exec(buf);
      if (m && buf.includes('verify-signature')) resolve(m[1]!);
    });
    serve.once('exit', () => reject(new Error(`serve exited: ${buf}`)));
  });
  const packages = await fetch(`${url}/${core.partition.rel}/Packages`);
  t.is(packages.status, 200);
  const text = await packages.text();
  t.is(text, readFileSync(join(pubBase, 'generations/1/Packages'), 'utf8'), 'serves the current (rolled back) generation');
  const path = /^PATH: (.*gsl.*)$/m.exec(text)![1]!;
  const pkg = Buffer.from(await (await fetch(`${url}/${core.partition.rel}/${path}`)).arrayBuffer());
  t.deepEqual(pkg, readFileSync(join(core.partition.dir, path)));
  serve.kill('SIGINT');
  const done = await serve;
  t.true(done.exitCode === 0 || done.exitCode === 130, `serve exit ${done.exitCode}: ${done.stderr}`);
});
