import { BinfarmError } from '../errors.ts';
import { ConfigSchema } from '../config/schema/index.ts';
import type { LoadedConfig } from '../config/load.ts';
import { checks as allChecks } from './checks/index.ts';
import type { CheckResult, DoctorCheck, DoctorContext, ExecOutcome } from './types.ts';
import { nowMs } from '../util/clock.ts';

export interface DoctorReport {
  checks: Array<CheckResult & { id: string; title: string; ms: number }>;
  counts: { ok: number; warn: number; fail: number };
}

export interface DoctorInput {
  /** The loaded config, or the error that prevented loading it. */
  config: LoadedConfig | { error: unknown; cwd: string };
  env?: NodeJS.ProcessEnv;
  checks?: readonly DoctorCheck[];
  /** Per-check time limit (default 20 s). */
  timeoutMs?: number;
}

/** Runs every check concurrently; a check that throws or hangs is reported as failed. */
export async function runDoctor(input: DoctorInput): Promise<DoctorReport> {
  const env = input.env ?? process.env;
  const loaded = 'options' in input.config ? input.config : undefined;
  const ctx: DoctorContext = {
    options: loaded?.options ?? ConfigSchema.parse({}),
    rootDir: loaded?.rootDir ?? (input.config as { cwd: string }).cwd,
    ...(loaded ? { configFile: loaded.configFile } : { configError: (input.config as { error: unknown }).error }),
    env,
    isRoot: process.getuid?.() === 0,
    exec: (file, args, o) => execQuiet(file, args, env, o?.timeoutMs ?? 10_000),
  };
  const limit = input.timeoutMs ?? 20_000;
  const checks = await Promise.all(
    (input.checks ?? allChecks).map(async (c) => {
      const t0 = nowMs();
      let result: CheckResult;
      try {
        result = await withTimeout(c.run(ctx), limit, c.title);
      } catch (e) {
        result = { status: 'fail', summary: `the check itself failed: ${e instanceof Error ? e.message : String(e)}` };
      }
      return { id: c.id, title: c.title, ms: Math.round(nowMs() - t0), ...result };
    }),
  );
  const counts = { ok: 0, warn: 0, fail: 0 };
  for (const c of checks) counts[c.status]++;
  return { checks, counts };
}

async function execQuiet(file: string, args: string[], env: NodeJS.ProcessEnv, timeout: number): Promise<ExecOutcome> {
  const { execa } = await import('execa');
  const r = await execa(file, args, { reject: false, timeout, env, extendEnv: false, stdin: 'ignore' });
  const missing = (r as { code?: string }).code === 'ENOENT' || /ENOENT/.test(String(r.message ?? ''));
  return { ok: !r.failed, missing, exitCode: r.exitCode, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BinfarmError('E_INTERNAL', `${what}: no result within ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

const MARK = { ok: '✔', warn: '⚠', fail: '✖' } as const;

export function formatDoctor(report: DoctorReport): string {
  const width = Math.max(...report.checks.map((c) => c.title.length));
  const lines: string[] = [];
  for (const c of report.checks) {
    lines.push(`${MARK[c.status]} ${c.title.padEnd(width)}  ${c.summary}`);
    if (c.hint && c.status !== 'ok') lines.push(`  ${' '.repeat(width)}  fix: ${c.hint}`);
  }
  const { ok, warn, fail } = report.counts;
  lines.push('', `${ok} ok, ${warn} warning${warn === 1 ? '' : 's'}, ${fail} failed`);
  return lines.join('\n');
}
