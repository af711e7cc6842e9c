import test from 'ava';
import { ConfigSchema } from '../../core/config/schema/index.ts';
import { createFarm, type Farm } from '../../core/farm.ts';
import type { MountStrategy, RepoMount } from '../../core/tree/mount/types.ts';
import { testRun } from '../engine/build-context.ts';
import { stage3FixtureImage } from '../fixtures/images.ts';
import { smallTree } from './helpers.ts';

test('the mountPortage phase mounts the tree with a strategy a plugin registered, chosen by mount.strategy', async (t) => {
  const tree = await smallTree(t, { seed: 21 });
  const provisioned: RepoMount[] = [];
  const probe: MountStrategy = {
    name: 'probe',
    needs: () => ({ sqfs: false, dir: true }),
    unavailable: async () => undefined,
    async provision(repo) {
      provisioned.push(repo);
      return { type: 'bind', source: repo.artifact.dir!, target: repo.target, readOnly: true };
    },
  };
  const config = { tree: { type: 'dir' as const, path: tree.dir }, mount: { strategy: 'probe' } };
  const farm = createFarm({
    options: ConfigSchema.parse({ ...config, plugins: [{ name: 'probe-mounts', apply: (f: Farm) => f.hooks.mountStrategies.tap('probe-mounts', (s) => ({ ...s, probe })) }] }),
    rootDir: tree.parent,
    command: 'run',
  });
  const r = await testRun(t, config, { tag: 'plugin-mount' });
  const build = r.build();
  build.baseImage = { ref: await stage3FixtureImage(), digest: 'fixture' };
  await farm.hooks.mountPortage.promise(build);
  t.true(r.outputs.includes('tree mount strategy: probe'), r.outputs.join('\n'));
  t.deepEqual(provisioned.map((p) => [p.name, p.target]), [['gentoo', '/var/db/repos/gentoo']]);
  t.deepEqual(build.tree?.mounts, [{ type: 'bind', source: tree.dir, target: '/var/db/repos/gentoo', readOnly: true }]);
});
