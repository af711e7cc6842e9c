/**
 * Spawns a command and measures it from outside: wall time, and the child's peak RSS read
 * from /proc/<pid>/status (VmHWM) just before it exits, via a preloaded module.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Measurement {
  wallMs: number;
  peakRssMb: number;
  /** CPU time of the child (user + system): less sensitive than wall time to a busy machine. */
  cpuMs: number;
  exitCode: number;
  stdout: string;
  stderr: string;
}

const dir = mkdtempSync(join(tmpdir(), 'binfarm-bench-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const probe = join(dir, 'peak-rss.cjs');
writeFileSync(
  probe,
  `process.on('exit', () => { try { const m = /VmHWM:\\s+(\\d+) kB/.exec(require('fs').readFileSync('/proc/self/status', 'utf8')); const c = process.cpuUsage(); require('fs').writeSync(2, '\\nPEAK_RSS_KB=' + (m ? m[1] : Math.round(process.resourceUsage().maxRSS)) + ' CPU_US=' + (c.user + c.system) + '\\n'); } catch {} });\n`,
);

export function measure(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--require', probe, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - t0;
      const m = /PEAK_RSS_KB=(\d+) CPU_US=(\d+)/.exec(stderr);
      const kb = Number(m?.[1] ?? NaN);
      const cpuMs = Number(m?.[2] ?? NaN) / 1000;
      resolve({ wallMs, peakRssMb: kb / 1024, cpuMs, exitCode: code ?? -1, stdout, stderr: stderr.replace(/\nPEAK_RSS_KB=\d+ CPU_US=\d+\n/, '') });
    });
  });
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'n/a';
  }
}
