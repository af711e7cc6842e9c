/**
 * Third-party patch and mount strategies are registered the same way: by name on a waterfall
 * hook (farm.hooks.patchStrategies, farm.hooks.mountStrategies) that binfarm's own built-in
 * plugins tap too. A plugin's strategy of a built-in's name replaces the built-in.
 */
import test from 'ava';
import type { Farm } from '../../core/farm.ts';
import type { BinfarmError } from '../../core/errors.ts';
import { ImageState } from '../../core/portage/apply/state.ts';
import { planApply } from '../../core/portage/apply/plan.ts';
import { renderSubject } from '../../core/portage/render-subject.ts';
import { definePatchStrategy, resolveStrategies, strategyChooser, type PatchStrategy } from '../../core/portage/strategy.ts';
import { BUILTIN_PATCH_STRATEGIES } from '../../core/portage/strategies/index.ts';
import { BUILTIN_MOUNT_STRATEGIES, resolveMountStrategies } from '../../core/tree/mount/registry.ts';
import type { MountStrategy } from '../../core/tree/mount/types.ts';
import { farmOf } from './helpers.ts';

const shout = definePatchStrategy({
  name: 'overwrite',
  description: 'overwrite, upper-cased',
  apply: ({ path, content }) => ({ ops: [{ op: 'write', path, content: content.toUpperCase() }], log: ['SHOUT'] }),
});

const nfs: MountStrategy = {
  name: 'nfs',
  autoPriority: 15,
  needs: () => ({ sqfs: false, dir: true }),
  unavailable: async () => undefined,
  provision: async (repo) => ({ type: 'bind', source: repo.artifact.dir!, target: repo.target, readOnly: true }),
};

function registering(name: string, apply: (f: Farm) => void) {
  return { name, apply };
}

test('a plugin replaces the built-in "overwrite" patch strategy although built-ins are applied after it', async (t) => {
  const farm = farmOf({
    base: { sets: { b: { 'app-admin/sudo': {} } } },
    plugins: [registering('shout', (f) => f.hooks.patchStrategies.tap('shout', (s) => ({ ...s, [shout.name]: shout })))],
  });
  const strategies = resolveStrategies(farm);
  t.is(strategies.overwrite, shout);
  t.is(strategies.merge, BUILTIN_PATCH_STRATEGIES.merge!);
  const { files } = await renderSubject(farm, 'base');
  const state = new ImageState();
  planApply({ files, state, strategies, choose: strategyChooser({}), removeStage3Binrepos: true });
  t.regex(state.text('/etc/portage/sets/b')!, /APP-ADMIN\/SUDO/);
});

test('a plugin adds a mount strategy and replaces a built-in one through farm.hooks.mountStrategies', (t) => {
  const squashfs: MountStrategy = { ...BUILTIN_MOUNT_STRATEGIES.squashfs!, unavailable: async () => 'not here' };
  const farm = farmOf({
    plugins: [registering('nfs-mounts', (f) => f.hooks.mountStrategies.tap('nfs-mounts', (s) => ({ ...s, nfs, squashfs })))],
  });
  const registry = resolveMountStrategies(farm);
  t.is(registry.get('nfs'), nfs);
  t.is(registry.get('squashfs'), squashfs);
  t.is(registry.get('volume'), BUILTIN_MOUNT_STRATEGIES.volume!);
  t.deepEqual(
    registry.autoCandidates().map((s) => s.name),
    ['squashfs', 'nfs', 'bind', 'volume'],
  );
  const e = t.throws(() => registry.get('sshfs')) as BinfarmError;
  t.is(e.code, 'E_MOUNT');
  t.regex(e.hint ?? '', /Known strategies: auto, .*nfs/);
  t.regex(e.hint ?? '', /farm\.hooks\.mountStrategies/);
});

test('mount.strategy accepts the name of a plugin\'s strategy (looked up when the tree is mounted)', (t) => {
  const farm = farmOf({ mount: { strategy: 'nfs' } });
  t.is(farm.options.mount.strategy, 'nfs');
  t.throws(() => farmOf({ mount: { strategy: 'No Such' } }), { message: /mount strategy name/ });
});

test('a registration that is not a strategy is refused, naming the hook and the entry', (t) => {
  const patch = farmOf({
    plugins: [registering('broken', (f) => f.hooks.patchStrategies.tap('broken', (s) => ({ ...s, rsync: { name: 'rsync' } as unknown as PatchStrategy })))],
  });
  const e1 = t.throws(() => resolveStrategies(patch)) as BinfarmError;
  t.is(e1.code, 'E_PLUGIN_INVALID');
  t.regex(e1.message, /patch strategy "rsync" registered through farm\.hooks\.patchStrategies is not usable: it has no apply\(\)/);

  const mount = farmOf({
    plugins: [registering('broken', (f) => f.hooks.mountStrategies.tap('broken', (s) => ({ ...s, sshfs: { ...nfs } })))],
  });
  const e2 = t.throws(() => resolveMountStrategies(mount)) as BinfarmError;
  t.is(e2.code, 'E_PLUGIN_INVALID');
  t.regex(e2.message, /mount strategy "sshfs" registered through farm\.hooks\.mountStrategies is not usable: its name is "nfs"/);
});
