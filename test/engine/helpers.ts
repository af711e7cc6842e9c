/** Shared bits of the engine tests: an engine per test with a unique run id, cleaned up in teardown. */
import type { ExecutionContext } from 'ava';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, type DockerEngine } from '../../core/engine/docker-engine.ts';
import { createLogger, type Logger } from '../../core/log/logger.ts';
import { dockerForTests } from '../helpers/docker.ts';

export function testRunId(tag: string): string {
  return `test-${tag}-${randomBytes(3).toString('hex')}`;
}

export function captureLogger(lines: string[] = []): Logger {
  return createLogger('test', (origin, type, args) => lines.push(`${type}: ${args.map(String).join(' ')}`));
}

export async function tempDir(t: ExecutionContext, prefix = 'binfarm-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export async function testEngine(t: ExecutionContext, opts: { stateDir?: string; tag?: string; logLines?: string[] } = {}): Promise<DockerEngine> {
  await dockerForTests();
  const engine = await createEngine({ docker: {} }, testRunId(opts.tag ?? 'engine'), captureLogger(opts.logLines), { stateDir: opts.stateDir });
  t.teardown(() => engine.cleanup());
  return engine;
}
