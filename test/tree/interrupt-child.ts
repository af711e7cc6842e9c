/**
 * Child process of interrupt.test.ts: a run-like sequence (engine with a run record, signal
 * handlers, the tree loop-mounted, a build container using it, a run volume), then it waits to be
 * signalled. Prints `READY <json>` once everything is held.
 * argv: <stateDir> <cacheDir> <treeDir> <image> [slow-cleanup]
 */
import { join } from 'node:path';
import { ConfigSchema } from '../../core/config/schema/index.ts';
import { createEngine } from '../../core/engine/docker-engine.ts';
import { installSignalHandlers } from '../../core/engine/signals.ts';
import { createLogger } from '../../core/log/logger.ts';
import type { RunContext, SubjectBuild } from '../../core/run/context.ts';
import { MountStrategyRegistry } from '../../core/tree/mount/registry.ts';
import { mountTrees } from '../../core/tree/provide.ts';

const [stateDir, cacheDir, treeDir, image, mode] = process.argv.slice(2) as [string, string, string, string, string | undefined];
const runId = `test-interrupt-${process.pid}`;
const options = ConfigSchema.parse({ tree: { type: 'dir', path: treeDir }, mount: { strategy: 'squashfs' } });
const logger = createLogger('child', (_o, type, args) => process.stderr.write(`${type}: ${args.join(' ')}\n`));
const controller = new AbortController();
const engine = await createEngine(options, runId, logger, { stateDir, signal: controller.signal });
installSignalHandlers({ controller, cleanup: () => engine.cleanup(), logger });
if (mode === 'slow-cleanup') engine.onCleanup(() => new Promise((r) => setTimeout(r, 30_000)));

const run: RunContext = {
  runId,
  runDir: join(stateDir, 'runs', runId),
  stateDir,
  cacheDir,
  rootDir: '/',
  options,
  command: 'run',
  signal: controller.signal,
  logger,
  engine: async () => engine,
  data: new Map(),
};
const build: SubjectBuild = {
  run,
  subject: { name: 'base', parent: null, sets: {}, overlays: [], smoke: [] },
  parent: undefined,
  logger,
  progress: { output: () => undefined, title: () => undefined },
  logFile: '/dev/null',
  baseImage: { ref: image, digest: 'fixture' },
  phases: [],
  data: new Map(),
};
const setup = await mountTrees(build, new MountStrategyRegistry());
const container = await engine.start({ image, cmd: ['sleep', '600'], mounts: build.tree!.mounts });
const volume = await engine.createVolume(`binfarm-test-${runId}`);
process.stdout.write(
  `READY ${JSON.stringify({ runId, sqfs: setup.repos[0]!.artifact.sqfs, mountDir: build.tree!.mounts[0]!.source, container: container.id, volume })}\n`,
);
setInterval(() => undefined, 1000);
