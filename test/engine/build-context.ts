/**
 * A RunContext and SubjectBuilds for driving the fetchStage3/mountPortage phases directly, with a
 * real engine (no runner needed). Options go through the real config schema, so defaults apply.
 */
import type { ExecutionContext } from 'ava';
import { join } from 'node:path';
import { ConfigSchema, type BinfarmConfigInput, type BinfarmOptions } from '../../core/config/schema/index.ts';
import { createEngine, type DockerEngine } from '../../core/engine/docker-engine.ts';
import type { RunContext, SubjectBuild } from '../../core/run/context.ts';
import type { Subject } from '../../core/subject/types.ts';
import { captureLogger, tempDir, testRunId } from './helpers.ts';

export interface TestRun {
  run: RunContext;
  engine: () => Promise<DockerEngine>;
  controller: AbortController;
  logs: string[];
  outputs: string[];
  build(name?: string, parent?: SubjectBuild): SubjectBuild;
}

export async function testRun(
  t: ExecutionContext,
  config: BinfarmConfigInput,
  opts: { rootDir?: string; cacheDir?: string; tag?: string } = {},
): Promise<TestRun> {
  const dir = await tempDir(t);
  const options: BinfarmOptions = ConfigSchema.parse(config);
  const logs: string[] = [];
  const outputs: string[] = [];
  const logger = captureLogger(logs);
  const controller = new AbortController();
  const runId = testRunId(opts.tag ?? 'run');
  const stateDir = join(dir, 'state');
  let engine: Promise<DockerEngine> | undefined;
  const getEngine = () => {
    if (!engine) {
      engine = createEngine(options, runId, logger, { stateDir, signal: controller.signal });
      t.teardown(async () => (await engine!).cleanup());
    }
    return engine;
  };
  const run: RunContext = {
    runId,
    runDir: join(stateDir, 'runs', runId),
    stateDir,
    cacheDir: opts.cacheDir ?? join(dir, 'cache'),
    rootDir: opts.rootDir ?? dir,
    options,
    command: 'run',
    signal: controller.signal,
    logger,
    engine: getEngine,
    data: new Map(),
  };
  return {
    run,
    engine: getEngine,
    controller,
    logs,
    outputs,
    build(name = 'base', parent) {
      const subject: Subject = { name, parent: name === 'base' ? null : (parent?.subject.name ?? 'base'), sets: {}, overlays: [], smoke: [] };
      return {
        run,
        subject,
        parent,
        logger,
        progress: { output: (l) => outputs.push(l), title: (l) => outputs.push(`== ${l}`) },
        logFile: join(run.runDir, `${name}.log`),
        phases: [],
        data: new Map(),
      };
    },
  };
}
