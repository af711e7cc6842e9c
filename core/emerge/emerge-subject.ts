/**
 * A subject's emerge in its build container, the same for every executor whose emerge runs there
 * (local, and remote engines): the base bootstrap (profile check, `emerge -uDN @world` when asked,
 * the build user) and `emerge` of the subject's sets, with stale binpkgs excluded, each
 * invocation's result recorded and its built binpkgs recorded. An executor says only what differs
 * where the binhost is not a bind mount: extra arguments (`--getbinpkg`) and a step after each
 * invocation (taking the binpkgs out), which runs before a failure is reported, so the packages
 * that did build are kept either way.
 */
import { BinfarmError } from '../errors.ts';
import type { FarmContext } from '../types.ts';
import type { ContainerHandle } from '../engine/types.ts';
import type { SubjectBuild } from '../run/context.ts';
import { emergeEnv, emergeSetsArgv, emergeWorldArgv } from './argv.ts';
import { checkProfileArch, ensureBuildUser } from './bootstrap.ts';
import { EmergeOutputParser } from './parse-output.ts';
import { addResult, EMERGE_DATA, emptyRecord, type EmergeRecord } from './record.ts';
import { runEmerge, type EmergeInvocation } from './run-emerge.ts';
import { excludeStaleBinpkgs, exclusionNote, recordBuiltBinpkgs } from './binpkg-reuse.ts';
import { emergeFailed, stopOnInterrupt } from './failure.ts';
import { CONTAINER_LOGDIR } from '../build/build-container.ts';

export interface EmergeSteps {
  /** Appended after the `emergeArgs` taps, before stale binpkgs are excluded (the check sees them too). */
  extraArgv?: string[];
  /** After each invocation, success or not, before its binpkgs are recorded and a failure reported. */
  afterInvocation?: (inv: EmergeInvocation) => Promise<void>;
}

/** Runs the subject's emerge invocations; returns the record, whose `invocations` is empty when there was nothing to emerge. */
export async function emergeSubject(
  farm: FarmContext,
  build: SubjectBuild,
  container: ContainerHandle,
  partition: string,
  steps: EmergeSteps = {},
): Promise<EmergeRecord> {
  const { subject, run } = build;
  const o = run.options;
  const record = emptyRecord();
  build.data.set(EMERGE_DATA, record);
  const env = emergeEnv(o);

  const emerge = async (argv: string[]): Promise<void> => {
    const parser = new EmergeOutputParser();
    let inv: EmergeInvocation;
    try {
      const hooked = [...farm.hooks.emergeArgs.call(argv, build), ...(steps.extraArgv ?? [])];
      inv = await runEmerge(build, container, await excludeStaleBinpkgs(build, container, partition, hooked, env), { env, parser });
    } catch (e) {
      if (run.signal.aborted || (e as { code?: string }).code === 'E_INTERRUPTED') {
        addResult(record, argv, parser.result(undefined));
        await stopOnInterrupt(build, record);
        throw new BinfarmError('E_INTERRUPTED', `emerge of subject "${subject.name}" was interrupted`, { cause: e, details: { ...record } });
      }
      throw e;
    }
    addResult(record, inv.argv, inv.result);
    // Portage writes its per-package logs 0660 as portage:portage (uid 250): make them readable
    // by whoever ran binfarm, since the errors point to them.
    await container.exec(['chmod', '-R', 'a+rX', CONTAINER_LOGDIR]).catch(() => undefined);
    await steps.afterInvocation?.(inv);
    await recordBuiltBinpkgs(build, container, partition, inv.result.built);
    if (inv.exitCode !== 0 || inv.result.failed.length) await emergeFailed(build, record, inv);
  };

  if (subject.parent === null) {
    await checkProfileArch(build, container);
    if (o.base.updateWorld) await emerge(emergeWorldArgv(o));
  }
  const sets = Object.keys(subject.sets);
  if (sets.length) await emerge(emergeSetsArgv(o, sets));
  if (subject.parent === null && (await ensureBuildUser(build, container, o.base.user))) {
    build.progress.output(`created the build user ${o.base.user}`);
  }
  return record;
}

/** The phase's one-line result; `where` names a build host that is not this machine (" on tcp://…"). */
export function emergeSummary(build: SubjectBuild, record: EmergeRecord, where = ''): string {
  if (!record.invocations.length) return 'no sets to emerge';
  const n = record.binary.length;
  return `built ${record.built.length}, reused ${n} binary package${n === 1 ? '' : 's'}${where}${exclusionNote(build)}`;
}
