import { BinfarmError } from 'binfarm';

export interface ExampleGroupOptions {
  /** Directory (relative to the config file) that receives one `<subject>.json` manifest per published image. */
  manifestDir: string;
  /** Name of the group's layer (default `group-analysis`). */
  name?: string;
  /** The HEP layer it stands on (default `analysis`). */
  parent?: string;
  /** USE flags the group adds to sci-physics/root through the atom hook (default `['davix']`: HTTP/WebDAV file access). */
  rootUse?: string[];
  /** Subjects whose published images get a manifest: names, or `'all'` (default: the group's layer). */
  manifestSubjects?: string[] | 'all';
  /** Interpreter of the layer's smoke test (default `python3`). */
  python?: string;
}

export type ResolvedOptions = Required<ExampleGroupOptions>;

const KNOWN = ['manifestDir', 'name', 'parent', 'rootUse', 'manifestSubjects', 'python'];

export function parseOptions(o: ExampleGroupOptions): ResolvedOptions {
  const bad = (key: string, why: string) =>
    new BinfarmError('E_CONFIG_INVALID', `example-group option "${key}" ${why}`, { hint: 'See plugins/example-group/README.md and docs/plugins.md.' });
  if (!o || typeof o !== 'object') throw bad('(options)', 'must be an object such as { manifestDir: "manifests" }');
  for (const key of Object.keys(o)) if (!KNOWN.includes(key)) throw bad(key, `does not exist (options: ${KNOWN.join(', ')})`);
  if (typeof o.manifestDir !== 'string' || !o.manifestDir) throw bad('manifestDir', 'is required: the directory that receives the manifests');
  const rootUse = o.rootUse ?? ['davix'];
  if (!Array.isArray(rootUse) || rootUse.some((f) => typeof f !== 'string' || !/^-?[A-Za-z0-9][A-Za-z0-9+_@-]*$/.test(f))) {
    throw bad('rootUse', `must be a list of USE flags such as ["davix"], got ${JSON.stringify(o.rootUse)}`);
  }
  const name = o.name ?? 'group-analysis';
  const subjects = o.manifestSubjects ?? [name];
  if (subjects !== 'all' && (!Array.isArray(subjects) || subjects.some((s) => typeof s !== 'string'))) {
    throw bad('manifestSubjects', `must be a list of subject names or "all", got ${JSON.stringify(subjects)}`);
  }
  return { manifestDir: o.manifestDir, name, parent: o.parent ?? 'analysis', rootUse, manifestSubjects: subjects, python: o.python ?? 'python3' };
}
