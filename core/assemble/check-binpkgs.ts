/**
 * The binpkg check before an assembly merges anything: `emerge --usepkgonly --pretend` in the
 * assembly container. Portage stops at the first package it cannot satisfy, so to list every
 * missing package at once:
 *  1. requested atoms (and members of the farm's sets) whose cat/pn is neither in the
 *     partition's Packages index nor installed in the image are missing outright;
 *  2. the rest goes to Portage; each refusal is recorded and the argument it goes back to is
 *     dropped, and Portage is asked again about the others (at most once per argument).
 * Anything else Portage refuses (masked binpkgs, conflicts, unknown sets) fails with its words.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FarmContext } from '../types.ts';
import { BinfarmError } from '../errors.ts';
import type { ContainerHandle } from '../engine/types.ts';
import type { SubjectBuild } from '../run/context.ts';
import { parsePackagesIndex } from '../binhost/packages-index.ts';
import { emergeEnv } from '../emerge/argv.ts';
import { assembleArgv } from './argv.ts';
import { PretendParser, rootArgument, type MergeEntry, type PretendResult } from './pretend-output.ts';
import { missingPackagesError, type MissingPackage } from './missing.ts';
import type { AssemblySpec } from './spec.ts';
import { BuilderIndex, cpnOfAtom, cpnOfCpv } from './who-builds.ts';

export interface CheckInput {
  farm: FarmContext;
  build: SubjectBuild;
  container: ContainerHandle;
  spec: AssemblySpec;
  partition: { dir: string; rel: string; root: string };
  /** Where the full output is kept (for messages). */
  logFile: string;
}

export interface CheckResult {
  /** What emerge would merge, in order. */
  merges: MergeEntry[];
  /** The emerge arguments (farm sets expanded to their atoms). */
  args: string[];
  /** How many times Portage was asked. */
  pretends: number;
}

export async function checkBinpkgs(input: CheckInput): Promise<CheckResult> {
  const { farm, build, container, spec, partition } = input;
  const indexed = await indexedPackages(partition.dir);
  const installed = spec.slim ? new Set<string>() : await installedPackages(container);
  const present = (cpn: string | undefined) => !cpn || indexed.has(cpn) || installed.has(cpn);
  const sets = farmSets(farm);

  const missing: MissingPackage[] = [];
  const args: string[] = [];
  /** Arguments that stand for a member of a farm set (the set is expanded): member → set. */
  const fromSet = new Map<string, string>();
  const add = (a: string) => args.includes(a) || args.push(a);
  for (const item of [...spec.with, ...spec.runtime]) {
    const runtime = spec.runtime.includes(item);
    if (item.kind === 'atom') {
      if (present(item.cpn)) add(item.text);
      else missing.push({ atom: item.text, cpn: item.cpn, requiredBy: [], ...(runtime ? { runtime } : {}), builders: [] });
      continue;
    }
    const members = sets.get(item.name);
    if (!members) {
      add(item.text); // a set of Portage (@world, @system) or of the image only: Portage expands it
      continue;
    }
    for (const m of members) {
      const cpn = cpnOfAtom(m);
      if (!fromSet.has(m)) fromSet.set(m, item.name);
      if (present(cpn)) add(m);
      else if (!missing.some((x) => x.atom === m)) missing.push({ atom: m, cpn, requiredBy: [], viaSet: item.name, builders: [] });
    }
  }

  let merges: MergeEntry[] = [];
  let pretends = 0;
  const active = [...args];
  while (active.length && pretends <= args.length) {
    pretends++;
    build.progress.title(`emerge --usepkgonly --pretend (${active.length} argument${active.length === 1 ? '' : 's'})`);
    const r = await pretend(build, container, active, spec.slim);
    if (r.exitCode === 0 && !r.parsed.unsatisfied.length) {
      merges = r.parsed.merges;
      break;
    }
    if (!r.parsed.unsatisfied.length) throw refused(input, r);
    let dropped = false;
    for (const u of r.parsed.unsatisfied) {
      const cpn = cpnOfAtom(u.atom);
      const arg = rootArgument(u);
      const viaSet = fromSet.get(arg);
      if (!missing.some((x) => x.atom === u.atom && x.requiredBy.length === u.requiredBy.length)) {
        missing.push({ atom: u.atom, cpn, requiredBy: u.requiredBy.filter((q) => q.by !== u.atom), ...(viaSet ? { viaSet } : {}), builders: [] });
      }
      const at = active.findIndex((a) => a === arg || a === `@${arg.replace(/^@/, '')}` || (cpnOfAtom(a) !== undefined && cpnOfAtom(a) === cpnOfAtom(arg)));
      if (at >= 0) {
        active.splice(at, 1);
        dropped = true;
      }
    }
    if (!dropped) break; // Portage named nothing we passed: what it said is all we know
  }

  if (missing.length) {
    const builders = new BuilderIndex(farm, build.run.stateDir, partition.dir, partition.root);
    for (const m of missing) m.builders = m.cpn ? await builders.find(m.cpn) : [];
    throw missingPackagesError({ name: spec.name, from: spec.from, partitionRel: partition.rel }, missing);
  }
  return { merges, args, pretends };
}

interface PretendRun {
  argv: string[];
  exitCode: number;
  parsed: PretendResult;
  tail: string[];
}

async function pretend(build: SubjectBuild, container: ContainerHandle, items: string[], slim: boolean): Promise<PretendRun> {
  const argv = assembleArgv(build.run.options, items, { slim, pretend: true });
  const parser = new PretendParser();
  const tail: string[] = [];
  const env = emergeEnv(build.run.options);
  build.progress.output(`$ ${argv.join(' ')}`);
  const res = await container.exec(argv, {
    ...(Object.keys(env).length ? { env } : {}),
    signal: build.run.signal,
    keepBytes: 256 * 1024,
    onLine(line) {
      build.progress.output(line);
      parser.feed(line);
      tail.push(line);
      if (tail.length > 40) tail.shift();
    },
  });
  return { argv, exitCode: res.exitCode, parsed: parser.result(), tail };
}

/** Portage refused for another reason than a missing binpkg: show its words. */
function refused(input: CheckInput, r: PretendRun): BinfarmError {
  const sets = r.tail.map((l) => /^emerge: there are no sets to satisfy '([^']+)'/.exec(l)?.[1]).filter((s): s is string => !!s);
  if (sets.length) {
    const known = [...farmSets(input.farm).keys()].sort();
    return new BinfarmError(
      'E_ASSEMBLE',
      `assembly "${input.spec.name}": ${sets.map((s) => `@${s}`).join(', ')} is neither a set of a subject nor a set Portage knows in the image of "${input.spec.from}"`,
      {
        hint: `Sets of the subjects: ${known.length ? known.map((s) => `@${s}`).join(', ') : '(none)'}; Portage's own sets include @world and @system.`,
      },
    );
  }
  const words = r.parsed.problems.length ? r.parsed.problems : r.tail.filter((l) => l.trim()).slice(-15);
  return new BinfarmError(
    'E_ASSEMBLE',
    `assembly "${input.spec.name}": \`emerge --usepkgonly --pretend\` refused (exit ${r.exitCode}):\n  ${words.join('\n  ')}`,
    {
      hint: `A masked binpkg (KEYWORDS, LICENSE or package.mask of subject "${input.spec.from}"'s /etc/portage) or a conflict between the requested packages; the whole output is in ${input.logFile}.`,
      details: { argv: r.argv, exitCode: r.exitCode, problems: r.parsed.problems },
    },
  );
}

/** cat/pn of every package in the partition's Packages index (none when there is no index). */
async function indexedPackages(dir: string): Promise<Set<string>> {
  let text: string;
  try {
    text = await readFile(join(dir, 'Packages'), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
    throw e;
  }
  return new Set(parsePackagesIndex(text).packages.map((p) => cpnOfCpv(p.CPV!)));
}

/** cat/pn of every package installed in the container (its VDB). */
async function installedPackages(c: ContainerHandle): Promise<Set<string>> {
  const r = await c.exec(['find', '/var/db/pkg', '-mindepth', '2', '-maxdepth', '2', '-type', 'd']);
  if (r.exitCode !== 0) return new Set();
  return new Set(
    r.stdout
      .split('\n')
      .filter(Boolean)
      .map((p) => cpnOfCpv(p.replace(/^\/var\/db\/pkg\//, ''))),
  );
}

/** Set name → its atoms, over every subject of the farm (a name used twice merges both). */
export function farmSets(farm: FarmContext): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const s of farm.subjects().values()) {
    for (const [name, atoms] of Object.entries(s.sets)) {
      const list = out.get(name) ?? [];
      for (const a of Object.keys(atoms)) if (!list.includes(a)) list.push(a);
      out.set(name, list);
    }
  }
  return out;
}
