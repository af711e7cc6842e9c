/**
 * What to assemble: the config entry `assemble.<name>` merged with the command line (flags win),
 * every `with` item checked against Portage's grammar (a set `@name` or a package atom) and the
 * image name checked against the subjects' (both become `<imagePrefix>/<name>`).
 */
import type { BinfarmOptions } from '../config/schema/index.ts';
import { AssemblyNameSchema, DEFAULT_SLIM_RUNTIME, ImageTagSchema } from '../config/schema/assemble.ts';
import { BinfarmError } from '../errors.ts';
import { atomKey, parseAtom, validateSetName, withContext } from '../portage/grammar/index.ts';

/** One `with` item: a set (`@name`) or an atom. */
export type WithItem = { kind: 'set'; text: string; name: string } | { kind: 'atom'; text: string; cpn: string };

export interface AssemblySpec {
  name: string;
  from: string;
  with: WithItem[];
  slim: boolean;
  /** Slim only: extra atoms merged into the empty ROOT (empty when not slim). */
  runtime: WithItem[];
  tag?: string;
  labels: Record<string, string>;
  publish: boolean;
  /** Where the spec came from, for messages: `assemble.<name>` and/or `the command line`. */
  source: string;
  /** `direct`: binfarm writes the image from the binpkgs (docs/assemble.md#direct); `emerge`: emerge merges them in a container. */
  via: AssemblyVia;
}

export type AssemblyVia = 'direct' | 'emerge';

/** What the command line says (all optional: the config entry fills the rest). */
export interface AssembleFlags {
  from?: string;
  with?: string[];
  slim?: boolean;
  tag?: string;
  publish?: boolean;
  labels?: Record<string, string>;
  /** Slim only: replaces the runtime atoms (`[]`: none). */
  runtime?: string[];
  /** How to make the image (default `direct`). */
  via?: AssemblyVia;
}

export function resolveAssemblySpec(options: BinfarmOptions, name: string, flags: AssembleFlags, subjectNames: Iterable<string>): AssemblySpec {
  const parsedName = AssemblyNameSchema.safeParse(name);
  if (!parsedName.success) {
    throw new BinfarmError('E_USAGE', `"${name}" cannot be an image name: ${parsedName.error.issues[0]?.message ?? 'invalid'}`, {
      hint: 'For example `binfarm assemble analysis-env --from analysis --with @analysis`.',
    });
  }
  const subjects = [...subjectNames];
  if (subjects.includes(name)) {
    throw new BinfarmError(
      'E_USAGE',
      `"${name}" is the name of a subject: the assembled image would be ${options.imagePrefix}/${name}, the same repository as that subject's images`,
      {
        hint: 'Give the assembly its own name, e.g. `' + `${name}-env` + '`.',
      },
    );
  }
  const entry = options.assemble[name];
  const where = entry ? `assemble.${name}` : 'the command line';
  const from = flags.from ?? entry?.from;
  if (!from) {
    const known = Object.keys(options.assemble);
    throw new BinfarmError('E_USAGE', `assembly "${name}" has no --from and no entry assemble.${name} in the config`, {
      hint: `Say which subject's binpkgs to use: \`binfarm assemble ${name} --from <subject> --with <set|atom>...\`${known.length ? ` (configured assemblies: ${known.join(', ')})` : ''}. Subjects: ${subjects.join(', ')}.`,
    });
  }
  if (!subjects.includes(from)) {
    throw new BinfarmError(
      flags.from ? 'E_USAGE' : 'E_SUBJECT',
      `assembly "${name}": ${flags.from ? '--from' : `assemble.${name}.from`} names "${from}", which is not a subject`,
      {
        hint: `Subjects: ${subjects.join(', ')}.`,
      },
    );
  }
  const withTexts = flags.with?.length ? flags.with : entry?.with;
  if (!withTexts?.length) {
    throw new BinfarmError('E_USAGE', `assembly "${name}" names nothing to install`, {
      hint: `Add \`--with <set|atom>...\`, e.g. \`--with @${from} app-misc/jq\`${entry ? `, or a \`with\` list to assemble.${name}` : ''}.`,
    });
  }
  const source = entry && (flags.from || flags.with?.length) ? `assemble.${name} and the command line` : where;
  const withOrigin = flags.with?.length ? '--with' : `assemble.${name}.with`;
  const items = withTexts.map((t, i) => parseWithItem(t, `${withOrigin}${flags.with?.length ? '' : `[${i}]`}`));
  const slim = flags.slim ?? entry?.slim ?? false;
  const runtimeTexts = slim ? (flags.runtime ?? entry?.runtime ?? [...DEFAULT_SLIM_RUNTIME]) : [];
  const runtime = runtimeTexts.map((t, i) => parseWithItem(t, flags.runtime ? '--runtime' : `assemble.${name}.runtime[${i}]`));
  const tag = flags.tag ?? entry?.tag;
  if (tag !== undefined) {
    const ok = ImageTagSchema.safeParse(tag);
    if (!ok.success) throw new BinfarmError('E_USAGE', `--tag "${tag}": ${ok.error.issues[0]?.message ?? 'not a valid tag'}`);
  }
  return {
    name,
    from,
    with: dedupe(items),
    slim,
    runtime: dedupe(runtime).filter((r) => !items.some((i) => i.text === r.text)),
    ...(tag !== undefined ? { tag } : {}),
    labels: { ...(entry?.labels ?? {}), ...(flags.labels ?? {}) },
    publish: flags.publish ?? entry?.publish ?? false,
    source,
    via: flags.via ?? 'direct',
  };
}

/** `@name` → a set; anything else must be a package atom (config grammar: no blockers). */
export function parseWithItem(text: string, where: string): WithItem {
  try {
    if (text.startsWith('@')) return { kind: 'set', text, name: validateSetName(text) };
    const atom = parseAtom(text, { context: 'config' });
    return { kind: 'atom', text, cpn: atomKey(atom) };
  } catch (e) {
    const err = withContext(e, `${where}: "${text}"`);
    if (err instanceof BinfarmError && !err.hint) {
      throw new BinfarmError(err.code, err.message, {
        cause: e,
        details: err.details,
        hint: 'Each item is a package set (`@name`, a set of a subject or of Portage such as @world) or a package atom such as `app-misc/jq` or `>=sci-physics/root-6.30`.',
      });
    }
    throw err;
  }
}

function dedupe(items: WithItem[]): WithItem[] {
  const seen = new Set<string>();
  return items.filter((i) => (seen.has(i.text) ? false : (seen.add(i.text), true)));
}
