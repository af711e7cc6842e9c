/**
 * The ebuild trees on the swarm nodes: one named volume per repository and tree digest on every
 * node (`binfarm-tree-<digest16>`), filled once by a global job that downloads the repository as
 * a tarball from binfarm's job endpoint. Build jobs mount the volumes read-only without copying
 * (`NoCopy`). A volume is complete only once the fill wrote its marker; a fill that was cut short
 * leaves no marker, and the next fill extracts the same content over it. The tarball is what the
 * build container sees at the repository's mount point (any mount strategy), cached by digest.
 * Which nodes hold a complete volume is recorded in the state directory (`swarm-trees.json`): a
 * run whose every ready node is recorded starts no fill job at all. A repository with a node path
 * (tree.nodePath) is bound from there instead (node-trees.ts): no volume, no fill.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { extract, pack } from 'tar-stream';
import type { Readable } from 'node:stream';
import { BinfarmError } from '../../errors.ts';
import { runLabels } from '../../engine/labels.ts';
import { sha256 } from '../../util/hash.ts';
import type { SubjectBuild } from '../../types.ts';
import { ensureBuildContainer } from '../../build/build-container.ts';
import type { JobMount } from './services.ts';
import type { SwarmSession } from './session.ts';
import { runJob } from './run-job.ts';
import { swarmNodes } from './services.ts';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../util/fs.ts';
import { nodeTreeMount, nodeTreeOf } from './node-trees.ts';

/** Where a fill job mounts the volume it fills. */
const FILL_TARGET = '/binfarm-tree';
const MARKER = '.binfarm-tree-complete';

/**
 * The fill, in the job image's own shell: nothing from the run is interpolated; the URL comes in
 * the environment. A complete volume is left alone.
 */
const FILL_SCRIPT = [
  'set -e',
  `cd ${FILL_TARGET}`,
  `if [ -e ${MARKER} ]; then echo "binfarm-tree: already filled"; exit 0; fi`,
  'wget -q -O /tmp/binfarm-tree.tar "$BINFARM_TREE_URL"',
  'tar -x -f /tmp/binfarm-tree.tar',
  'rm -f /tmp/binfarm-tree.tar',
  `touch ${MARKER}`,
  'echo "binfarm-tree: filled"',
].join('\n');

/** The build's tree mounts as volumes every node has (filled this run when needed). */
export async function treeVolumeMounts(session: SwarmSession, build: SubjectBuild, jobImage: string): Promise<JobMount[]> {
  const tree = build.tree;
  if (!tree) throw new BinfarmError('E_INTERNAL', `subject "${build.subject.name}" has no tree mounts`);
  const mounts: JobMount[] = [];
  for (const m of tree.mounts) {
    // A repository every node already has (tree.nodePath): bound as it is, nothing to fill.
    const node = nodeTreeOf(build, m.target);
    if (node) {
      mounts.push(nodeTreeMount(node, m.target));
      continue;
    }
    const volume = `binfarm-tree-${sha256(`${tree.digest}\n${m.target}`).slice(0, 16)}`;
    let filled = session.trees.get(volume);
    if (!filled) {
      filled = fill(session, build, m.target, volume, jobImage);
      session.trees.set(volume, filled);
      filled.catch(() => session.trees.delete(volume));
    }
    await filled;
    mounts.push({ type: 'volume', source: volume, target: m.target, readOnly: true, noCopy: true });
  }
  return mounts;
}

async function fill(session: SwarmSession, build: SubjectBuild, target: string, volume: string, image: string): Promise<string> {
  const { run } = build;
  const record = join(run.stateDir, 'swarm-trees.json');
  const filled = await readFilledRecord(record);
  const ready = (await swarmNodes(session.docker)).filter((n) => n.state === 'ready' && n.availability === 'active').map((n) => n.id);
  if (ready.length && ready.every((id) => filled[volume]?.includes(id))) return volume;
  const tarball = join(run.cacheDir, 'swarm-trees', `${volume}.tar`);
  if (!(await stat(tarball).catch(() => undefined))) {
    build.progress.title(`pack the tree at ${target} for the nodes`);
    const container = await ensureBuildContainer(build);
    await writeRerooted(await container.getArchive(target), tarball);
  }
  const urlPath = `/trees/${volume}.tar`;
  session.endpoint.serveFile(urlPath, tarball);
  build.progress.title(`fill the tree volume ${volume} on every node`);
  const outcome = await runJob(session, build, {
    what: `tree volume ${volume}`,
    spec: {
      name: `binfarm-${run.runId}-tree-${volume.slice(-8)}`,
      image,
      command: ['/bin/sh', '-c', FILL_SCRIPT],
      env: { BINFARM_TREE_URL: `${session.endpoint.url}${urlPath}` },
      mounts: [{ type: 'volume', source: volume, target: FILL_TARGET, noCopy: true }],
      labels: { ...runLabels({ runId: run.runId, stateDir: run.stateDir }), 'binfarm.role': 'tree-fill' },
      network: run.options.swarm.network,
      global: true,
    },
  });
  if (!outcome.ok) {
    throw new BinfarmError('E_EXECUTOR', `filling the tree volume ${volume} failed on ${outcome.nodes.join(', ')}: ${outcome.reason ?? 'no reason given'}`, {
      hint: `Every node must reach binfarm's endpoint at ${session.endpoint.url}; the fill job printed:\n${outcome.lines.slice(-10).join('\n')}`,
    });
  }
  // Read again: other subjects of this run may have recorded volumes meanwhile.
  const latest = await readFilledRecord(record);
  latest[volume] = [...new Set([...(latest[volume] ?? []), ...outcome.nodeIds])].sort();
  await writeFileAtomic(record, `${JSON.stringify(latest, null, 1)}\n`);
  return volume;
}

/** `swarm-trees.json`: volume → the ids of the nodes where it is complete (empty when there is none yet). */
async function readFilledRecord(file: string): Promise<Record<string, string[]>> {
  return readFile(file, 'utf8').then(
    (t) => JSON.parse(t) as Record<string, string[]>,
    () => ({}),
  );
}

/**
 * The engine's archive of a directory holds it under its own name (`gentoo/...`): the tarball a
 * fill extracts holds its content from the top. Written beside, then renamed: never half a tree.
 */
async function writeRerooted(archive: Readable, dest: string): Promise<void> {
  await mkdir(dirname(dest), { recursive: true });
  const tmp = `${dest}.${process.pid}.part`;
  const ex = extract();
  const out = pack();
  ex.on('entry', (header, stream, next) => {
    const slash = header.name.indexOf('/');
    const name = slash < 0 ? '' : header.name.slice(slash + 1);
    if (!name || name === '/') {
      stream.resume();
      stream.on('end', next);
      return;
    }
    const linkname = header.type === 'link' && header.linkname ? header.linkname.slice(header.linkname.indexOf('/') + 1) : header.linkname;
    stream.pipe(out.entry({ ...header, name, ...(linkname !== undefined ? { linkname } : {}) }, next));
  });
  ex.on('finish', () => out.finalize());
  try {
    await Promise.all([pipeline(archive, ex), pipeline(out, createWriteStream(tmp))]);
    await rename(tmp, dest);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
