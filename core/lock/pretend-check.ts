/**
 * `run --locked`, in the emerge phase before anything is built: `emerge --pretend` of the same
 * command lines the emerge phase runs (the world update of the base when configured, then the
 * subject's sets, through the emergeArgs hook) must merge exactly the locked packages, with the
 * locked USE, and reuse the locked binpkg build where it reuses one. Built from source, a new
 * build id is expected; the version and USE are what the lock pins.
 */
import type { FarmContext } from '../types.ts';
import { BinfarmError } from '../errors.ts';
import { emergeEnv, emergeSetsArgv, emergeWorldArgv } from '../emerge/argv.ts';
import { ensureBuildContainer } from '../build/build-container.ts';
import type { SubjectBuild } from '../run/context.ts';
import type { LockedSubject } from './format.ts';
import { pretendPackages, type PretendPackage } from './pretend-packages.ts';
import { cpnOf } from '../plan/tree-slice.ts';

export async function checkPretend(farm: FarmContext, build: SubjectBuild, locked: LockedSubject, file: string): Promise<void> {
  const o = build.run.options;
  const argvs = [
    ...(build.subject.parent === null && o.base.updateWorld ? [emergeWorldArgv(o)] : []),
    ...(Object.keys(build.subject.sets).length ? [emergeSetsArgv(o, Object.keys(build.subject.sets))] : []),
  ];
  if (!argvs.length) return;
  const container = await ensureBuildContainer(build);
  const merges: PretendPackage[] = [];
  for (const argv of argvs) {
    const pretend = [...farm.hooks.emergeArgs.call([...argv], build), '--pretend'];
    build.progress.title(`check against ${file}: emerge --pretend`);
    const r = await container.exec(pretend, { env: emergeEnv(o), signal: build.run.signal, keepBytes: 16 * 1024 * 1024 });
    if (r.exitCode !== 0) {
      throw new BinfarmError(
        'E_LOCK_DRIFT',
        `run --locked: \`emerge --pretend\` failed (exit ${r.exitCode}) for subject "${build.subject.name}", so it cannot be checked against ${file}:\n  ${`${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-10).join('\n  ')}`,
        {
          hint: "Usually an atom, USE or keyword problem in the subject's sets; a run without --locked shows the same error.",
        },
      );
    }
    merges.push(...pretendPackages(r.stdout));
  }
  const problems = comparePretend(locked, merges);
  if (problems.length) {
    throw new BinfarmError(
      'E_LOCK_DRIFT',
      `run --locked: Portage would resolve subject "${build.subject.name}" differently from ${file}:\n  ${problems.join('\n  ')}`,
      {
        hint: 'Nothing was built. Restore the config or tree the lock was written with; to accept the change instead: run without --locked, check the result, then `binfarm lock` and commit binfarm.lock.',
        details: { file, subject: build.subject.name, packages: problems },
      },
    );
  }
}

/** One line per difference between the pretend merge list and the locked packages. */
export function comparePretend(locked: LockedSubject, merges: PretendPackage[]): string[] {
  const out: string[] = [];
  const lockedByCpn = new Map(Object.keys(locked.packages).map((cpv) => [cpnOf(cpv), cpv]));
  const merged = new Set<string>();
  for (const m of merges) {
    merged.add(m.cpv);
    const l = locked.packages[m.cpv];
    const cpn = cpnOf(m.cpv);
    if (!l) {
      const other = lockedByCpn.get(cpn);
      out.push(
        other
          ? `${cpn}: locked ${other.slice(cpn.length + 1)}, Portage would merge ${m.cpv.slice(cpn.length + 1)}`
          : `${m.cpv}: not in the lock, Portage would merge it`,
      );
      continue;
    }
    const use = new Set(l.use.split(' ').filter(Boolean));
    const flips = [...m.enabled.filter((f) => !use.has(f)).map((f) => `+${f}`), ...m.disabled.filter((f) => use.has(f)).map((f) => `-${f}`)];
    if (flips.length) out.push(`${m.cpv}: USE locked "${l.use}", Portage would use ${flips.join(' ')}`);
    if (m.type === 'binary' && m.buildId !== undefined && l.buildId !== undefined && m.buildId !== l.buildId) {
      out.push(`${m.cpv}: Portage would reuse binpkg build ${m.buildId}, locked build ${l.buildId}`);
    }
  }
  for (const cpv of Object.keys(locked.packages).sort()) {
    if (!merged.has(cpv) && !merges.some((m) => cpnOf(m.cpv) === cpnOf(cpv))) out.push(`${cpv}: locked, Portage would not merge it`);
  }
  return out;
}
