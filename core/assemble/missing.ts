/**
 * The error of an assembly that lacks binary packages: every missing package, what needs it,
 * and for each the subject that would build it and the command that does — or, when no
 * subject builds it, what to add.
 */
import { BinfarmError } from '../errors.ts';
import type { Requirement } from './pretend-output.ts';
import type { Builder } from './who-builds.ts';

export interface MissingPackage {
  /** The atom as requested, or as Portage printed it for a dependency. */
  atom: string;
  cpn: string | undefined;
  /** Innermost first; empty when the atom was requested (a `with` item or a member of a set). */
  requiredBy: Requirement[];
  /** The set it was requested through, when it came from one. */
  viaSet?: string;
  /** One of the slim runtime atoms (`runtime`), not something the user listed. */
  runtime?: boolean;
  builders: Builder[];
}

export interface MissingContext {
  name: string;
  from: string;
  partitionRel: string;
}

export function describeMissing(p: MissingPackage): string {
  const why = p.requiredBy.length
    ? `required by ${p.requiredBy.map((r) => (r.kind === 'argument' ? r.by : `${r.by} [${r.kind}]`)).join(' ← ')}${p.viaSet ? `, in @${p.viaSet}` : ''}`
    : p.viaSet
      ? `in @${p.viaSet}`
      : p.runtime
        ? 'slim runtime'
        : 'requested';
  return `${p.atom} (${why}): ${whoText(p)}`;
}

function whoText(p: MissingPackage): string {
  const usable = p.builders.filter((b) => b.samePartition);
  if (usable.length) {
    return usable
      .map((b) => {
        const where =
          b.how === 'set'
            ? `lists it in set @${b.set}`
            : b.how === 'dep'
              ? `has settings for it as a dependency in set @${b.set}`
              : 'pulled it in as a dependency';
        const state = b.built ? (b.how === 'pulled' ? 'in its last build' : 'but its binpkg is not in the partition') : 'and was never built';
        return `subject "${b.subject}" ${where} ${state} → binfarm run ${b.subject}`;
      })
      .join('; ');
  }
  if (p.builders.length) {
    const b = p.builders[0]!;
    return `subject "${b.subject}" builds it, but into partition ${b.partition} (other compiler flags, FEATURES or build type); build it in a subject of this partition`;
  }
  return "no subject builds it — add it to a subject's sets";
}

/** The subjects to run so that every missing package with a usable builder gets built. */
export function subjectsToRun(missing: MissingPackage[]): string[] {
  const out: string[] = [];
  for (const p of missing) {
    const b = p.builders.find((x) => x.samePartition);
    if (b && !out.includes(b.subject)) out.push(b.subject);
  }
  return out;
}

export function missingPackagesError(ctx: MissingContext, missing: MissingPackage[], note?: string): BinfarmError {
  const n = missing.length;
  const lines = missing.map((p) => `  - ${describeMissing(p)}`);
  const run = subjectsToRun(missing);
  const orphans = missing.filter((p) => !p.builders.some((b) => b.samePartition)).map((p) => p.cpn ?? p.atom);
  const hint = [
    'An assembly never compiles: every package comes from a binpkg that `binfarm run` built into the partition.',
    run.length ? `Build them with \`binfarm run ${run.join(' ')}\`, then assemble again.` : '',
    orphans.length
      ? `Add ${orphans.join(', ')} to the sets of a subject whose binpkgs go to partition ${ctx.partitionRel} (e.g. "${ctx.from}"), \`binfarm run\` it, then assemble again.`
      : '',
    missing.some((p) => p.runtime)
      ? "Slim images also merge `runtime` (default: sys-apps/baselayout virtual/libc), which is usually built in the base's sets; `runtime: []` or `--no-runtime` ships only the runtime deps of what you asked for."
      : '',
    note ?? '',
  ]
    .filter(Boolean)
    .join(' ');
  return new BinfarmError(
    'E_ASSEMBLE',
    `cannot assemble "${ctx.name}" from subject "${ctx.from}": ${n} package${n === 1 ? ' has' : 's have'} no binary package in the binhost partition ${ctx.partitionRel}:\n${lines.join('\n')}`,
    { hint, details: { missing, partition: ctx.partitionRel, run } },
  );
}
