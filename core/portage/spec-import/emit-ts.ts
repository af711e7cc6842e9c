import { ATOM_SPEC_KEYS } from '../../config/schema/subject.ts';
import type { AtomSpec, PackageSets } from '../../subject/types.ts';

const WIDTH = 110;
/** Settings in the schema's order (use, accept_keywords, ..., deps last). */
const ORDER = ATOM_SPEC_KEYS;

function q(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function key(s: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(s) ? s : q(s);
}

/** `{ use: ['a', 'b'] }` on one line when it fits, else one setting per line. */
function specText(spec: AtomSpec, indent: string): string {
  const parts: string[] = [];
  for (const k of ORDER) {
    const v = spec[k];
    if (v === undefined) continue;
    if (Array.isArray(v)) parts.push(`${k}: [${v.map(q).join(', ')}]`);
    else if (typeof v === 'boolean') parts.push(`${k}: ${v}`);
    else if (k === 'deps') parts.push(`deps: ${atomsText(v as Record<string, AtomSpec>, `${indent}  `)}`);
    else parts.push(`${k}: {${Object.entries(v as Record<string, string>).map(([a, b]) => ` ${q(a)}: ${q(b)}`).join(',')} }`);
  }
  if (!parts.length) return '{}';
  const oneLine = `{ ${parts.join(', ')} }`;
  if (!oneLine.includes('\n') && oneLine.length + indent.length < WIDTH) return oneLine;
  return `{\n${parts.map((p) => `${indent}  ${p},\n`).join('')}${indent}}`;
}

function atomsText(atoms: Record<string, AtomSpec>, indent: string): string {
  const entries = Object.entries(atoms);
  if (!entries.length) return '{}';
  return `{\n${entries.map(([atom, spec]) => `${indent}  ${q(atom)}: ${specText(spec, `${indent}  `)},\n`).join('')}${indent}}`;
}

/** TypeScript source defining the sets with `definePackageSets` from 'binfarm', in the spec's order. */
export function emitPackageSetsTs(sets: PackageSets, source: string): string {
  let out = `// Package sets imported from ${source} by \`binfarm import-spec\`.\n`;
  out += `// Use them as a subject's \`sets\` (defineSubject) or in the base (\`base: { sets }\`).\n`;
  out += `import { definePackageSets } from 'binfarm';\n\n`;
  out += 'export const packageSets = definePackageSets({\n';
  for (const [name, atoms] of Object.entries(sets)) out += `  ${key(name)}: ${atomsText(atoms, '  ')},\n`;
  out += '});\n\nexport default packageSets;\n';
  return out;
}
