import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode, type Pair } from 'yaml';
import { BinfarmError } from '../../errors.ts';
import type { AtomSpec, PackageSets } from '../../subject/types.ts';
import {
  parseAtom,
  validateEnvFileName,
  validateKeywordToken,
  validateLicenseToken,
  validateSetName,
  validateUseToken,
  withContext,
} from '../grammar/index.ts';

const LIST_KEYS = { use: validateUseToken, accept_keywords: validateKeywordToken, license: validateLicenseToken, env: validateEnvFileName } as const;
const BOOL_KEYS = ['mask', 'unmask'] as const;
const KNOWN = [...Object.keys(LIST_KEYS), ...BOOL_KEYS, 'deps'];

/**
 * Reads the original project's YAML spec (set → atom → { use, accept_keywords, license, mask,
 * env, deps }, deps nested with the same shape) into PackageSets, keeping the order of sets
 * and atoms. Everything is validated; errors name the file and line, the set and the atom.
 * A list item with spaces (`[svg gui widgets]`) is several tokens, as the original generator
 * joined them with spaces.
 */
export function readSpec(text: string, file: string): PackageSets {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  const lineOf = (n: YamlNode | Pair | null | undefined) => {
    const range = (n as { range?: [number, number, number] } | null)?.range ?? ((n as Pair | null)?.key as { range?: [number] } | null)?.range;
    return range ? lc.linePos(range[0]).line : 0;
  };
  const fail = (node: YamlNode | null | undefined, where: string, message: string, hint?: string, code: 'E_GRAMMAR' | 'E_ATOM' = 'E_GRAMMAR') =>
    new BinfarmError(code, `${file}:${lineOf(node)}: ${where}${where ? ': ' : ''}${message}`, { hint, details: { file, line: lineOf(node) } });
  const wrap = (e: unknown, node: YamlNode | null | undefined, where: string) => withContext(e, `${file}:${lineOf(node)}: ${where}`);

  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const line = lc.linePos(e.pos[0]).line;
    throw new BinfarmError('E_GRAMMAR', `${file}:${line}: not valid YAML: ${e.message.split('\n')[0]}`, { details: { file, line } });
  }
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return {};
  if (!isMap(root)) throw fail(root, '', 'expected a mapping of set names to atoms');

  const sets: PackageSets = {};
  for (const pair of root.items) {
    const setName = keyText(pair);
    const where = `set "${setName}"`;
    try {
      validateSetName(setName);
    } catch (e) {
      throw wrap(e, pair.key as YamlNode, where);
    }
    const atoms = pair.value as YamlNode | null;
    if (atoms !== null && !isMap(atoms) && !(isScalar(atoms) && atoms.value === null)) throw fail(atoms, where, 'expected a mapping of atoms to settings');
    sets[setName] = isMap(atoms) ? readAtoms(atoms.items as Pair[], where, false) : {};
  }
  return sets;

  function readAtoms(items: Pair[], where: string, isDep: boolean): Record<string, AtomSpec> {
    const out: Record<string, AtomSpec> = {};
    for (const pair of items) {
      const atom = keyText(pair);
      const w = `${where}, ${isDep ? 'dep' : 'atom'} "${atom}"`;
      try {
        parseAtom(atom, { allowWildcard: isDep });
      } catch (e) {
        throw wrap(e, pair.key as YamlNode, w);
      }
      out[atom] = readSpecNode(pair.value as YamlNode | null, w);
    }
    return out;
  }

  function readSpecNode(node: YamlNode | null, where: string): AtomSpec {
    if (node === null || (isScalar(node) && node.value === null)) return {};
    if (!isMap(node)) throw fail(node, where, 'expected a mapping of settings (use, accept_keywords, license, mask, env, deps) or {}');
    const spec: AtomSpec = {};
    for (const pair of node.items as Pair[]) {
      const key = keyText(pair);
      const value = pair.value as YamlNode | null;
      if (key in LIST_KEYS) {
        const k = key as keyof typeof LIST_KEYS;
        const tokens = listOf(value, `${where}, ${key}`);
        tokens.forEach((t) => {
          try {
            LIST_KEYS[k](t);
          } catch (e) {
            throw wrap(e, value, `${where}, ${key}`);
          }
        });
        spec[k] = tokens;
      } else if ((BOOL_KEYS as readonly string[]).includes(key)) {
        if (!isScalar(value) || typeof value.value !== 'boolean') throw fail(value, `${where}, ${key}`, 'expected true or false');
        spec[key as 'mask' | 'unmask'] = value.value;
      } else if (key === 'deps') {
        if (value === null || (isScalar(value) && value.value === null)) continue;
        if (!isMap(value)) throw fail(value, `${where}, deps`, 'expected a mapping of atoms to settings');
        spec.deps = readAtoms(value.items as Pair[], where, true);
      } else {
        throw fail(pair.key as YamlNode, where, `unknown setting "${key}"`, `Known settings: ${KNOWN.join(', ')}.`);
      }
    }
    return spec;
  }

  function listOf(node: YamlNode | null, where: string): string[] {
    if (node === null || (isScalar(node) && node.value === null)) return [];
    const items = isSeq(node) ? node.items : [node];
    return items.flatMap((item) => {
      if (!isScalar(item) || item.value === null || typeof item.value === 'object') throw fail(item as YamlNode, where, 'expected a list of words');
      return String(item.value).split(/\s+/).filter(Boolean);
    });
  }

  function keyText(pair: Pair): string {
    const k = pair.key;
    if (isScalar(k) && (typeof k.value === 'string' || typeof k.value === 'number')) return String(k.value);
    throw fail(k as YamlNode, '', 'expected a plain text key');
  }
}
