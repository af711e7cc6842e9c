import type { z } from 'zod';

/** Key path of an issue as a user writes it: `subjects.hep-core.sets.a["sci-physics/root"].use[0]`. */
export function formatPath(path: ReadonlyArray<PropertyKey>, prefix = ''): string {
  let out = prefix;
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && /^[A-Za-z_$][\w$-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out || '(root)';
}

/** One line per issue: `  ✖ <path>: <message>`. */
export function formatZodIssues(issues: ReadonlyArray<z.core.$ZodIssue>, prefix = ''): string {
  return issues.map((i) => `  ✖ ${formatPath(i.path, prefix)}: ${i.message}`).join('\n');
}
