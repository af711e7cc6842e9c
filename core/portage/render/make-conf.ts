import type { MakeConfContribution } from '../model.ts';
import { evaluateMakeConf, inheritedNames, parseMakeConf, resolveMakeConf } from '../makeconf/index.ts';
import { checkContributor, header } from './conventions.ts';

/**
 * make.conf as one file (sections per contributor, in name order) or as a directory
 * `make.conf/<contributor>.conf`. The result is parsed and evaluated as Portage would read it,
 * so a reference to a variable nobody sets fails here with the file and line.
 */
export function renderMakeConf(contributions: readonly MakeConfContribution[], layout: 'file' | 'dir', out: Map<string, string>): void {
  const sections = resolveMakeConf(contributions).filter((s) => s.lines.length);
  const files: Array<[string, string]> = [];
  if (layout === 'dir') {
    for (const s of sections) files.push([`make.conf/${checkContributor(s.contributor)}.conf`, header(s.contributor) + s.lines.join('')]);
  } else if (sections.length) {
    let text = header(sections.map((s) => s.contributor).join(', '));
    for (const s of sections) text += `\n# ── ${s.contributor} ──\n${s.lines.join('')}`;
    files.push(['make.conf', text]);
  }
  const vars = new Map<string, string>();
  for (const [path, text] of files) {
    evaluateMakeConf(parseMakeConf(text, path), { vars, inherited: inheritedNames() });
    out.set(path, text);
  }
}
