import type { BinfarmOptions } from '../config/schema/index.ts';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  status: CheckStatus;
  /** One line: what was found. */
  summary: string;
  /** What to do about a warn/fail. */
  hint?: string;
  details?: Record<string, unknown>;
}

/** What the checks know about the machine and the farm. */
export interface DoctorContext {
  /** Validated options, or the defaults when no (valid) config was found. */
  options: BinfarmOptions;
  rootDir: string;
  configFile?: string;
  /** Why the config could not be used, when it could not. */
  configError?: unknown;
  env: NodeJS.ProcessEnv;
  isRoot: boolean;
  /** Runs a program (argv, no shell); never throws. */
  exec(file: string, args: string[], opts?: { timeoutMs?: number }): Promise<ExecOutcome>;
}

export interface ExecOutcome {
  ok: boolean;
  /** ENOENT: not installed. */
  missing: boolean;
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
}

/** One readiness check (one file under core/doctor/checks/). */
export interface DoctorCheck {
  id: string;
  title: string;
  run(ctx: DoctorContext): Promise<CheckResult>;
}

export function defineCheck(check: DoctorCheck): DoctorCheck {
  return check;
}
