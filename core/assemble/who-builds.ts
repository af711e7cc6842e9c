/**
 * Which subject would build a package an assembly lacks: subjects whose sets list its cat/pn
 * (or whose atom settings name it as a dependency), and subjects whose last build pulled it in
 * as a dependency (state file). A builder whose binpkgs land in another binhost partition (other
 * compiler flags, FEATURES or build type) cannot help this assembly, and is marked so.
 */
import type { FarmContext } from '../types.ts';
import { atomKey } from '../portage/grammar/index.ts';
import { PN_VERSION_RE } from '../portage/grammar/version.ts';
import { partitionOf } from '../binhost/partition.ts';
import { readSubjectState, type SubjectState } from '../plan/state.ts';
import { renderSubject } from '../portage/render-subject.ts';
import type { AtomSpec } from '../subject/types.ts';

export interface Builder {
  subject: string;
  /** `set`: listed in set `set`; `dep`: has settings for it as a dependency; `pulled`: its last build merged it as a dependency. */
  how: 'set' | 'dep' | 'pulled';
  set?: string;
  /** The subject has a successful build on record. */
  built: boolean;
  /** Its binpkgs go to the same partition as the assembly's `from` subject. */
  samePartition: boolean;
  /** Its partition (relative to the binhost root) when different. */
  partition?: string;
}

/** `cat/pn` of `cat/pf` (`dev-libs/foo-1.2-r1` → `dev-libs/foo`); the input when it has no version. */
export function cpnOfCpv(cpv: string): string {
  const slash = cpv.indexOf('/');
  const m = PN_VERSION_RE.exec(cpv.slice(slash + 1));
  return m && !m[3] ? `${cpv.slice(0, slash + 1)}${m[1]}` : cpv;
}

/** `cat/pn` of an atom as Portage printed it; undefined when it does not parse. */
export function cpnOfAtom(text: string): string | undefined {
  try {
    return atomKey(text.replace(/^!+/, '').replace(/:=$|:\*$/, ''));
  } catch {
    const m = /^[<>=~]*([A-Za-z0-9_][A-Za-z0-9+_.-]*\/[A-Za-z0-9_][A-Za-z0-9+_-]*)/.exec(text);
    return m ? cpnOfCpv(m[1]!) : undefined;
  }
}

export class BuilderIndex {
  private states = new Map<string, Promise<SubjectState | undefined>>();
  private partitions = new Map<string, Promise<string>>();

  constructor(
    private readonly farm: FarmContext,
    private readonly stateDir: string,
    /** Partition directory of the assembly's `from` subject. */
    private readonly fromPartition: string,
    private readonly binhostRoot: string,
  ) {}

  async find(cpn: string): Promise<Builder[]> {
    const out: Builder[] = [];
    for (const subject of this.farm.subjects().values()) {
      const hits: Array<Pick<Builder, 'how' | 'set'>> = [];
      for (const [set, atoms] of Object.entries(subject.sets)) {
        for (const [atom, spec] of Object.entries(atoms)) {
          if (safeKey(atom) === cpn) hits.push({ how: 'set', set });
          else if (depsName(spec, cpn)) hits.push({ how: 'dep', set });
        }
      }
      const state = await this.state(subject.name);
      if (!hits.length && state && [...state.built, ...state.binary].some((cpv) => cpnOfCpv(cpv) === cpn)) hits.push({ how: 'pulled' });
      if (!hits.length) continue;
      const dir = await this.partition(subject.name, state);
      const same = dir === this.fromPartition;
      const best = hits.find((h) => h.how === 'set') ?? hits[0]!;
      out.push({
        subject: subject.name,
        ...best,
        built: !!state,
        samePartition: same,
        ...(same ? {} : { partition: relativeTo(this.binhostRoot, dir) }),
      });
    }
    // Subjects of the same partition first, then those listing it in a set.
    const rank = (b: Builder) => (b.samePartition ? 0 : 4) + (b.how === 'set' ? 0 : b.how === 'dep' ? 1 : 2);
    return out.sort((a, b) => rank(a) - rank(b) || a.subject.localeCompare(b.subject));
  }

  private state(name: string): Promise<SubjectState | undefined> {
    let p = this.states.get(name);
    if (!p) this.states.set(name, (p = readSubjectState(this.stateDir, name).catch(() => undefined)));
    return p;
  }

  private partition(name: string, state: SubjectState | undefined): Promise<string> {
    let p = this.partitions.get(name);
    if (!p) {
      p = state
        ? Promise.resolve(state.partition.dir)
        : renderSubject(this.farm, name).then(
            ({ model }) => partitionOf(this.farm.options, this.stateDir, model).dir,
            () => '',
          );
      this.partitions.set(name, p);
    }
    return p;
  }
}

function safeKey(atom: string): string | undefined {
  try {
    return atomKey(atom);
  } catch {
    return undefined;
  }
}

function depsName(spec: AtomSpec | undefined, cpn: string): boolean {
  for (const [dep, sub] of Object.entries(spec?.deps ?? {})) if (safeKey(dep) === cpn || depsName(sub, cpn)) return true;
  return false;
}

function relativeTo(root: string, dir: string): string {
  return dir.startsWith(`${root}/`) ? dir.slice(root.length + 1) : dir || '(unknown)';
}
