/** Runs the real `bin/binfarm.js` in a child process (what a user types). */
import { execa, type ResultPromise } from 'execa';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/binfarm.js', import.meta.url));

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Environment without BINFARM_* overrides and CI markers from the outer shell. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('BINFARM_')) env[k] = v;
  return { ...env, NO_COLOR: '1', FORCE_COLOR: '0', ...extra };
}

export async function cli(args: string[], opts: { cwd: string; env?: Record<string, string | undefined>; timeout?: number }): Promise<CliResult> {
  const r = await execa(process.execPath, [BIN, ...args], {
    cwd: opts.cwd,
    env: cleanEnv(opts.env),
    extendEnv: false,
    reject: false,
    timeout: opts.timeout ?? 120_000,
    stdin: 'ignore',
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

export function spawnCli(args: string[], opts: { cwd: string; env?: Record<string, string | undefined> }): ResultPromise {
  return execa(process.execPath, [BIN, ...args], { cwd: opts.cwd, env: cleanEnv(opts.env), extendEnv: false, reject: false, stdin: 'ignore', buffer: true });
}
