/**
 * Farms for runner tests. Their phases are done by a user plugin that claims every phase
 * through the public hooks — the way any plugin replaces a built-in — so the runner's
 * driving (order, records, logs, failures, lifecycle) is exercised without Docker. The
 * built-in phases are tested against the real engine in test/engine and test/pipeline.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { ConfigSchema, type BinfarmConfigInput } from '../../core/config/schema/index.ts';
import { createFarm, type Farm } from '../../core/farm.ts';
import type { Plugin } from '../../core/plugin.ts';
import type { RunPlan, SubjectPlan } from '../../core/plan/types.ts';
import { PHASES, type PhaseName, type SubjectBuild } from '../../core/run/context.ts';
import type { RunCollaborators } from '../../core/run/collaborators.ts';
import { endPreparationTurn } from '../../core/run/preparation-turns.ts';

export interface Step {
  subject: string;
  phase: PhaseName;
  at: 'start' | 'end';
  t: number;
}

export interface BuilderOptions {
  /** `subject/phase` that throws. */
  fail?: string;
  /** Milliseconds each phase takes. */
  ms?: number;
  /** `subject/phase` that waits until the run is aborted. */
  hang?: string;
  /** The emerge tap says the subject is prepared as it begins (as the swarm executor does once its job is ready). */
  preparedInEmerge?: boolean;
  steps?: Step[];
}

/** A user plugin doing every phase: progress output, a title, a log line, digests for the key. */
export function builderPlugin(opts: BuilderOptions = {}): Plugin {
  const steps = opts.steps ?? [];
  return {
    name: 'test-builder',
    apply(farm) {
      for (const phase of PHASES) {
        farm.hooks[phase].tapPromise('test-builder', async (b: SubjectBuild) => {
          const name = b.subject.name;
          steps.push({ subject: name, phase, at: 'start', t: performance.now() });
          b.progress.title(`${phase} of ${name}`);
          if (phase === 'emerge' && opts.preparedInEmerge) endPreparationTurn(b);
          b.progress.output(`${phase} output line for ${name}`);
          b.logger.info(`${phase} says hello`);
          if (phase === 'fetchStage3') b.stage3Digest = 'sha256:stage3-fixture';
          if (phase === 'mountPortage') b.tree = { digest: 'sha256:tree-fixture', mounts: [], repos: {} };
          if (opts.hang === `${name}/${phase}`) {
            await new Promise<void>((resolve) => b.run.signal.addEventListener('abort', () => resolve(), { once: true }));
            throw new Error('stopped by the abort signal');
          }
          await new Promise((r) => setTimeout(r, opts.ms ?? 5));
          steps.push({ subject: name, phase, at: 'end', t: performance.now() });
          if (opts.fail === `${name}/${phase}`) throw new Error(`${phase} of ${name} broke`);
          return phase === 'publish' ? { skipped: 'run.publish is off' } : `${phase} ok`;
        });
      }
    },
  };
}

export function stateDirFor(t: ExecutionContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'binfarm-run-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function testFarm(t: ExecutionContext, config: BinfarmConfigInput, extra: { builtins?: boolean } = {}): Farm {
  const root = stateDirFor(t);
  const options = ConfigSchema.parse(config);
  return createFarm({ options, rootDir: root, configFile: join(root, 'binfarm.config.ts'), command: 'run', builtins: extra.builtins ?? false });
}

/** A plan building every subject (or skipping those in `skip`), in the given order. */
export function planOf(farm: Farm, order: string[], skip: Record<string, { ref: string; id: string }> = {}): RunPlan {
  const subjects = farm.subjects();
  const plans: SubjectPlan[] = order.map((name, i) => ({
    subject: subjects.get(name)!,
    key: skip[name] ? `key-of-${name}` : undefined,
    inputs: {},
    action: skip[name] ? 'skip' : 'build',
    reasons: skip[name] ? [] : [{ input: 'state', change: 'no previous build' }],
    depth: i,
    ...(skip[name] ? { image: skip[name] } : {}),
  }));
  return { requested: order, order: plans };
}

/** No Docker, no planner: a fixed plan, a lock that records its use. */
export function offlineCollaborators(calls: string[] = []): Partial<RunCollaborators> {
  return {
    lock: async () => {
      calls.push('lock');
      return () => void calls.push('unlock');
    },
    rekey: async (b) => {
      calls.push(`rekey:${b.subject.name}`);
      return `rekeyed-${b.subject.name}`;
    },
    engine: async () => {
      throw new Error('these tests do not use an engine');
    },
  };
}
