/**
 * Text form of a plan for `binfarm plan` (and the run header): one line per subject, and with
 * `explain` one line per reason under each subject that will be built.
 */
import type { RunPlan, StaleReason, SubjectPlan } from './types.ts';

export interface PrintOptions {
  explain?: boolean;
  /** Reasons shown per subject before "… and N more" (default 20). */
  maxReasons?: number;
}

export function formatReason(r: StaleReason): string {
  const digests = r.before !== undefined || r.after !== undefined ? `  ${r.before ?? '∅'} → ${r.after ?? '∅'}` : '';
  if (r.change === 'no previous build' || r.change === 'image missing' || r.change === 'binpkgs missing') {
    return `${r.change}${r.before !== undefined ? ` (${r.before}${r.after ? `: ${r.after}` : ''})` : ''}`;
  }
  if (r.change === 'parent rebuilt') return `parent rebuilt${digests}`;
  if (isTreeDetail(r)) return `tree: ${r.change}`;
  return `${r.input} ${r.change}${digests}`;
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
  if (isTreeDetail(first)) return `tree: ${first.change}${more}`;
  return `${first.change === 'changed' || first.change === 'added' || first.change === 'removed' ? `${first.input} ${first.change}` : first.change === 'unknown until fetched' ? `${first.input} ${first.change}` : first.change}${more}`;
}

export function formatPlan(plan: RunPlan, opts: PrintOptions = {}): string {
  const lines: string[] = [];
  const toBuild = plan.order.filter((p) => p.action === 'build').length;
  lines.push(`plan: ${plan.order.length} subject${plan.order.length === 1 ? '' : 's'}, ${toBuild} to build, ${plan.order.length - toBuild} up to date`);
  const width = Math.max(...plan.order.map((p) => p.depth * 2 + p.subject.name.length), 4);
  for (const p of plan.order) {
    const name = `${'  '.repeat(p.depth)}${p.subject.name}`.padEnd(width);
    const key = p.key ? p.key.slice(0, 12) : '(unknown)   ';
    lines.push(`  ${name}  ${p.action.padEnd(5)}  ${key}  ${summaryOf(p)}`);
    if (opts.explain && p.action === 'build') {
      const max = opts.maxReasons ?? 20;
      for (const r of p.reasons.slice(0, max)) lines.push(`  ${' '.repeat(width)}    - ${formatReason(r)}`);
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
