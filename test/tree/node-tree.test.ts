/**
 * tree.nodePath / nodeMarker (core/tree/node-tree.ts): validated by the schema, found for the
 * repository mounted at a target, and never part of the tree's identity (the source-settings hash
 * the plan compares recorded digests with).
 */
import test from 'ava';
import { ConfigSchema } from '../../core/config/schema/index.ts';
import { sourceHashes } from '../../core/plan/plan.ts';
import { nodeTreeAt, treeIdentity } from '../../core/tree/node-tree.ts';

const G = '/var/db/repos/gentoo';

test('nodePath must be absolute and nodeMarker a plain relative path, on the tree and on overlays', (t) => {
  const bad = (tree: Record<string, unknown>) => ConfigSchema.safeParse({ tree: { type: 'dir', path: 't', ...tree } });
  t.true(bad({ nodePath: '/cvmfs/x/gentoo', nodeMarker: 'metadata/timestamp.chk' }).success);
  t.regex(JSON.stringify(bad({ nodePath: 'cvmfs/x' }).error?.issues), /an absolute path on the nodes/);
  for (const m of ['../x', '/abs', 'a/../b', 'a/./b']) t.regex(JSON.stringify(bad({ nodeMarker: m }).error?.issues), /a path relative to the repository/, m);
  const overlay = ConfigSchema.safeParse({ overlays: [{ name: 'sci', source: { type: 'git', path: 'o', nodePath: 'rel' } }] });
  t.false(overlay.success);
});

test('the node tree of a mount point: the tree at the gentoo location, an overlay at /var/db/repos/<name>', (t) => {
  const o = ConfigSchema.parse({
    tree: { type: 'dir', path: 't', nodePath: '/cvmfs/g' },
    overlays: [
      { name: 'plain', source: { type: 'dir', path: 'p' } },
      { name: 'sci', source: { type: 'git', path: 's', nodePath: '/cvmfs/sci', nodeMarker: 'metadata/stamp' } },
    ],
  });
  t.deepEqual(nodeTreeAt(o, G, G), { key: 'tree', nodePath: '/cvmfs/g', nodeMarker: undefined });
  t.is(nodeTreeAt(o, '/var/db/repos/plain', G), undefined);
  t.deepEqual(nodeTreeAt(o, '/var/db/repos/sci', G), { key: 'overlays[1].source', nodePath: '/cvmfs/sci', nodeMarker: 'metadata/stamp' });
  t.is(nodeTreeAt(ConfigSchema.parse({ tree: { type: 'dir', path: 't' } }), G, G), undefined);
});

test('nodePath and nodeMarker do not change what the tree is (the source-settings hash)', (t) => {
  const plain = ConfigSchema.parse({ tree: { type: 'dir', path: 't' }, overlays: [{ name: 'sci', source: { type: 'dir', path: 's' } }] });
  const onNodes = ConfigSchema.parse({
    tree: { type: 'dir', path: 't', nodePath: '/cvmfs/g', nodeMarker: 'metadata/timestamp.x' },
    overlays: [{ name: 'sci', source: { type: 'dir', path: 's', nodePath: '/cvmfs/sci' } }],
  });
  t.is(sourceHashes(onNodes).tree, sourceHashes(plain).tree);
  const other = ConfigSchema.parse({ tree: { type: 'dir', path: 'other', nodePath: '/cvmfs/g' }, overlays: plain.overlays });
  t.not(sourceHashes(other).tree, sourceHashes(plain).tree);
  t.deepEqual(treeIdentity(onNodes.tree), plain.tree);
});
