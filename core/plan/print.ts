/**
 * Text form of a plan for `binfarm plan` (and the run header): one line per subject, and with
 * `explain` one line per reason under each subject that will be built.
 */
import type { RunPlan, StaleReason, SubjectPlan } from './types.ts';
import { treeOrder } from './subject-tree.ts';

export interface PrintOptions {
  explain?: boolean;
  /** Reasons shown per subject before "… and N more" (default 20). */
  maxReasons?: number;
}

export function formatReason(r: StaleReason): string {
  const digests = r.before !== undefined || r.after !== undefined ? `  ${r.before ?? '∅'} → ${r.after ?? '∅'}` : '';
  if (r.change === 'no previous build' || r.change === 'image missing' || r.change === 'binpkgs missing' || r.change === 'smoke tests never passed') {
    return `${r.change}${r.before !== undefined ? ` (${r.before}${r.after ? `: ${r.after}` : ''})` : ''}`;
  }
  if (r.input === 'binpkgs') return `${r.change}${r.after ? ` (${r.after})` : ''}`;
  if (r.change === 'parent rebuilt') return `parent rebuilt${digests}`;
  if (isTreeDetail(r)) return `tree: ${r.change}`;
  return `${r.input} ${r.change}${digests}`;
}

/** The lines of a reason: one per change inside a file when known (`make.conf: CFLAGS "-O2" → "-O3"`), else formatReason. */
export function reasonLines(r: StaleReason, max = Infinity): string[] {
  if (!r.details?.length) return [formatReason(r)];
  const file = r.input.replace(/^file:/, '');
  const lines = r.details.slice(0, max).map((d) => `${file}: ${d}`);
  if (r.details.length > max) lines.push(`${file}: … and ${r.details.length - max} more changes`);
  return lines;
}

/** What changed inside a tree slice (core/plan/tree-slice.ts diffSlices): `tree: app-misc/jq 1.7.1 → 1.8.0`. */
function isTreeDetail(r: StaleReason): boolean {
  return r.input === 'tree' && !['changed', 'added', 'removed', 'unknown until fetched'].includes(r.change);
}

function summaryOf(p: SubjectPlan): string {
  if (p.action === 'skip') return 'up to date';
  const first = p.reasons[0];
  if (!first) return 'stale';
  const more = p.reasons.length > 1 ? ` (+${p.reasons.length - 1} more)` : '';
  if (first.details?.length) return `${reasonLines(first)[0]}${first.details.length > 1 ? ` (+${first.details.length - 1} in the file)` : ''}${more}`;
  if (isTreeDetail(first)) return `tree: ${first.change}${more}`;
  return `${first.change === 'changed' || first.change === 'added' || first.change === 'removed' ? `${first.input} ${first.change}` : first.change === 'unknown until fetched' ? `${first.input} ${first.change}` : first.change}${more}`;
}

export function formatPlan(plan: RunPlan, opts: PrintOptions = {}): string {
  const lines: string[] = [];
  const toBuild = plan.order.filter((p) => p.action === 'build').length;
  lines.push(`plan: ${plan.order.length} subject${plan.order.length === 1 ? '' : 's'}, ${toBuild} to build, ${plan.order.length - toBuild} up to date`);
  const width = Math.max(...plan.order.map((p) => p.depth * 2 + p.subject.name.length), 4);
  // Children right under their parent (plan.order is parents-first, not a tree walk).
  for (const { row: p } of treeOrder(plan.order)) {
    const name = `${'  '.repeat(p.depth)}${p.subject.name}`.padEnd(width);
    const key = p.key ? p.key.slice(0, 12) : '(unknown)   ';
    lines.push(`  ${name}  ${p.action.padEnd(5)}  ${key}  ${summaryOf(p)}`);
    if (opts.explain && p.action === 'build') {
      const max = opts.maxReasons ?? 20;
      for (const r of p.reasons.slice(0, max)) for (const l of reasonLines(r, max)) lines.push(`  ${' '.repeat(width)}    - ${l}`);
      if (p.reasons.length > max) lines.push(`  ${' '.repeat(width)}    … and ${p.reasons.length - max} more`);
    }
  }
  for (const n of plan.notes ?? []) lines.push(`note: ${n}`);
  return `${lines.join('\n')}\n`;
}

/** A JSON-friendly plan (subjects by name, no Subject objects). */
export function planToJson(plan: RunPlan, explain = false): unknown {
  return {
    requested: plan.requested,
    checkedImages: plan.checkedImages ?? false,
    notes: plan.notes ?? [],
    subjects: plan.order.map((p) => ({
      name: p.subject.name,
      parent: p.subject.parent,
      depth: p.depth,
      action: p.action,
      key: p.key ?? null,
      reasons: p.reasons,
      ...(p.image ? { image: p.image } : {}),
      ...(p.partition ? { partition: p.partition } : {}),
      ...(explain ? { inputs: p.inputs } : {}),
    })),
  };
}
