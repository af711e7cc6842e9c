import type { z } from 'zod';
import { BinfarmError, isBinfarmError } from '../errors.ts';
import { normalizePlugins } from '../plugin.ts';
import { ConfigSchema, type BinfarmOptions } from './schema/index.ts';
import { formatPath } from './format-issues.ts';
import { isPathPrefix, type Override } from './overrides.ts';
import { knownKeys, schemaAt } from './schema-walk.ts';
import { didYouMean } from './suggest.ts';

export interface ValidateContext {
  /** Shown in the message header; relative paths read best. */
  file: string;
  overrides?: readonly Override[];
}

/**
 * Validates the whole config (after overrides) and lists every problem with its key path,
 * the nearest valid key for typos, and where an overridden value came from.
 */
export function validateConfig(config: unknown, ctx: ValidateContext): BinfarmOptions {
  const result = ConfigSchema.safeParse(config);
  if (!result.success) {
    const lines = result.error.issues
      .flatMap((i) => describeIssue(i, ctx.overrides ?? []))
      .sort((a, b) => a.localeCompare(b));
    const n = lines.length;
    throw new BinfarmError('E_CONFIG_INVALID', `${ctx.file}: invalid configuration (${n} problem${n === 1 ? '' : 's'}):\n${lines.join('\n')}`, {
      hint: 'Fix the keys listed above; docs/config.md describes every key. `binfarm config` shows the effective values.',
      details: { file: ctx.file, issues: result.error.issues },
    });
  }
  try {
    normalizePlugins(result.data.plugins);
  } catch (e) {
    if (isBinfarmError(e)) throw new BinfarmError(e.code, `${ctx.file}: ${e.message}`, { hint: e.hint, cause: e });
    throw e;
  }
  return result.data;
}

type Issue = z.core.$ZodIssue;

function describeIssue(issue: Issue, overrides: readonly Override[]): string[] {
  const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  if (issue.code === 'unrecognized_keys') {
    const at = schemaAt(ConfigSchema, path.map(String));
    const candidates = 'schema' in at ? knownKeys(at.schema) : [];
    return issue.keys.map((k) => line([...path, k], `unknown key "${k}"${didYouMean(k, candidates)}`, overrides));
  }
  if (issue.code === 'invalid_union' && issue.errors.length && !('note' in issue && issue.note)) {
    const alternatives = issue.errors.map((branch) => branch[0]?.message.replace(/^Invalid input: /, '')).filter(Boolean);
    return [line(path, `no accepted form matches (${[...new Set(alternatives)].join('; or ')})`, overrides)];
  }
  if (issue.code === 'invalid_key') {
    const inner = issue.issues[0]?.message ?? issue.message;
    return [line(path, `invalid key: ${inner}`, overrides)];
  }
  return [line(path, issue.message.replace(/^Invalid input: /, ''), overrides)];
}

function line(path: readonly (string | number)[], message: string, overrides: readonly Override[]): string {
  const from = [...overrides].reverse().find((o) => isPathPrefix(o.path, path) || isPathPrefix(path, o.path));
  // A key missing from an object that only an override created (BINFARM_REGISTRY__PASSWORD
  // alone makes `registry`): name the override, or the message points at nothing the user set.
  const sibling = from ? undefined : [...overrides].reverse().find((o) => path.length > 1 && isPathPrefix(path.slice(0, -1), o.path));
  const source = from
    ? ` (value from ${from.source})`
    : sibling
      ? ` (${formatPath(path.slice(0, -1))} was created by ${sibling.source}, which sets ${formatPath(sibling.path)}; set ${formatPath(path)} too, or unset it)`
      : '';
  return `  ✖ ${formatPath(path)}: ${message}${source}`;
}
