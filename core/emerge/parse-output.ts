/**
 * Parses what `emerge` prints (Portage 3.0.x, `--color=n --nospinner`, stdout not a TTY) into
 * per-package results. The forms come from Portage's sources: MergeListItem (`>>> Emerging
 * (n of m) cat/pf::repo`, `>>> Emerging binary (n of m) ...`), PackageMerge (`>>> Installing`,
 * `>>> Completed` when jobs run in parallel), vartree (`>>> cat/pf merged.`), the Scheduler's
 * failure lines (`>>> Failed to emerge cat/pf, Log file:` then `>>>  '<path>'`) and its final
 * `--keep-going` summary (` *  (cat/pf:slot/sub::repo, ebuild scheduled for merge), Log file:`).
 * Also parses the lines emerge appends to /var/log/emerge.log. Pure: no I/O.
 */

export interface EmergeFailure {
  cpv: string;
  /** `emerge`, `install`, `execute postinst for`, `fetch`. */
  action: string;
  /** Build log path as Portage printed it (inside the container). */
  logFile?: string;
}

export interface EmergeResult {
  /** cat/pf built from source (and packaged). */
  built: string[];
  /** cat/pf merged from a binpkg. */
  binary: string[];
  failed: EmergeFailure[];
  /** Started but neither completed nor failed (interrupted). */
  incomplete: string[];
  /** Dropped by `--keep-going` because a dependency failed (never started). */
  dropped: Array<{ cpv: string; why: string }>;
  /** `m` of the last `(n of m)` seen. */
  total: number | undefined;
}

export type EmergeEvent =
  | { type: 'start'; n: number; m: number; cpv: string; repo?: string; binary: boolean }
  | { type: 'install'; n: number; m: number; cpv: string }
  | { type: 'complete'; cpv: string; n?: number; m?: number }
  | { type: 'failed'; cpv: string; action: string; hasLog: boolean }
  | { type: 'log'; path: string }
  | { type: 'dropped'; cpv: string; why: string }
  | { type: 'jobs'; complete: number; total: number; running: number; failed: number };

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07/g;
const RE = {
  start: /^>>> Emerging( binary)? \((\d+) of (\d+)\) (\S+?)(?:::(\S+))?(?: (?:for|to) \S+)?$/,
  install: /^>>> Installing \((\d+) of (\d+)\) (\S+?)(?:::\S+)?(?: to \S+)?$/,
  completed: /^>>> Completed \((\d+) of (\d+)\) (\S+?)(?:::\S+)?(?: to \S+)?$/,
  merged: /^>>> (\S+\/\S+) merged\.$/,
  failed: /^>>> Failed to (emerge|install|execute postinst for|fetch) (\S+?)(?: (?:for|to|in) \S+)?(, Log file:)?$/,
  logPath: /^(?:>>>|\s\*) +'(.+)'$/,
  summaryEntry: /^ \* +\((\S+?):(\S+?)::(\S+?), (ebuild|binary)[^)]*\)( \(postinst failed\))?(, Log file:)?$/,
  dropped: /^ \* emerge --keep-going: (\S+) dropped because (.*)$/,
  jobs: /^>>> Jobs: (\d+) of (\d+) complete(?:, (\d+) running)?(?:, (\d+) failed)?/,
};

/** `cat/pf` from a display cpv that may carry a binpkg build id (`cat/pf-<id>` on binary lines). */
export function stripBuildId(cpv: string): string {
  const m = /^(.+)-(\d+)$/.exec(cpv);
  if (m && /-\d+(\.\d+)*[a-z]?(_(alpha|beta|pre|rc|p)\d*)*(-r\d+)?$/.test(m[1]!)) return m[1]!;
  return cpv;
}

/** Turns one output line into an event (undefined for everything else, which is most lines). */
export function parseLine(raw: string): EmergeEvent | undefined {
  const line = raw.replace(ANSI, '').replace(/\r/g, '').trimEnd();
  let m: RegExpExecArray | null;
  if ((m = RE.start.exec(line))) {
    return { type: 'start', binary: !!m[1], n: Number(m[2]), m: Number(m[3]), cpv: m[1] ? stripBuildId(m[4]!) : m[4]!, ...(m[5] ? { repo: m[5] } : {}) };
  }
  if ((m = RE.install.exec(line))) return { type: 'install', n: Number(m[1]), m: Number(m[2]), cpv: m[3]! };
  if ((m = RE.completed.exec(line))) return { type: 'complete', n: Number(m[1]), m: Number(m[2]), cpv: m[3]! };
  if ((m = RE.merged.exec(line))) return { type: 'complete', cpv: m[1]! };
  if ((m = RE.failed.exec(line))) return { type: 'failed', action: m[1]!, cpv: m[2]!, hasLog: !!m[3] };
  if ((m = RE.summaryEntry.exec(line))) {
    const cpv = m[4] === 'binary' ? stripBuildId(m[1]!) : m[1]!;
    return { type: 'failed', action: m[5] ? 'execute postinst for' : 'emerge', cpv, hasLog: !!m[6] };
  }
  if ((m = RE.logPath.exec(line))) return { type: 'log', path: m[1]! };
  if ((m = RE.dropped.exec(line))) return { type: 'dropped', cpv: m[1]!, why: m[2]! };
  if ((m = RE.jobs.exec(line))) {
    return { type: 'jobs', complete: Number(m[1]), total: Number(m[2]), running: Number(m[3] ?? 0), failed: Number(m[4] ?? 0) };
  }
  return undefined;
}

/** Accumulates events of one emerge invocation into a result. */
export class EmergeOutputParser {
  private readonly started = new Map<string, { binary: boolean }>();
  private readonly completed = new Set<string>();
  private readonly failures = new Map<string, EmergeFailure>();
  private readonly dropped = new Map<string, string>();
  private lastFailed: string | undefined;
  private lastDropped: string | undefined;
  private total: number | undefined;

  /** Feeds one line; returns its event, if any. */
  feed(line: string): EmergeEvent | undefined {
    const ev = parseLine(line);
    if (!ev) {
      // textwrap continues a long "dropped because ..." notice on the next ` * ` line
      const more = this.lastDropped ? /^ \* (\S.*)$/.exec(line.replace(ANSI, '').trimEnd())?.[1] : undefined;
      if (more && this.lastDropped) this.dropped.set(this.lastDropped, `${this.dropped.get(this.lastDropped)} ${more}`);
      else this.lastDropped = undefined;
      return undefined;
    }
    this.lastDropped = ev.type === 'dropped' ? ev.cpv : undefined;
    switch (ev.type) {
      case 'start':
        this.started.set(ev.cpv, { binary: ev.binary });
        this.total = ev.m;
        break;
      case 'complete':
        this.completed.add(ev.cpv);
        break;
      case 'failed': {
        const prev = this.failures.get(ev.cpv);
        this.failures.set(ev.cpv, { cpv: ev.cpv, action: prev?.action ?? ev.action, ...(prev?.logFile ? { logFile: prev.logFile } : {}) });
        this.lastFailed = ev.hasLog ? ev.cpv : undefined;
        break;
      }
      case 'log':
        if (this.lastFailed) {
          const f = this.failures.get(this.lastFailed)!;
          f.logFile ??= ev.path;
          this.lastFailed = undefined;
        }
        break;
      case 'dropped':
        this.dropped.set(ev.cpv, ev.why);
        break;
      case 'jobs':
      case 'install':
        break;
    }
    return ev;
  }

  /**
   * The result once emerge exited. With exit status 0 every started package counts as done
   * (Portage prints no completion line for a sequential binary merge at default verbosity).
   */
  result(exitCode: number | undefined): EmergeResult {
    const built: string[] = [];
    const binary: string[] = [];
    const incomplete: string[] = [];
    for (const [cpv, { binary: isBinary }] of this.started) {
      if (this.failures.has(cpv)) continue;
      if (this.completed.has(cpv) || exitCode === 0) (isBinary ? binary : built).push(cpv);
      else incomplete.push(cpv);
    }
    return {
      built,
      binary,
      failed: [...this.failures.values()],
      incomplete,
      dropped: [...this.dropped].map(([cpv, why]) => ({ cpv, why })),
      total: this.total,
    };
  }
}

export function parseEmergeOutput(text: string, exitCode: number | undefined): EmergeResult {
  const p = new EmergeOutputParser();
  for (const line of text.split('\n')) p.feed(line);
  return p.result(exitCode);
}

export interface EmergeLogSummary {
  /** cat/pf whose merge completed (`::: completed emerge`). */
  completed: string[];
  /** cat/pf merged from a binpkg (`=== (i of n) Merging Binary (...)`). */
  binary: string[];
  /** cat/pf compiled (`Compiling/Packaging` or `Compiling/Merging`). */
  compiled: string[];
  /** `*** exiting successfully.` / `unsuccessfully with status 'N'.` / `*** terminating.` */
  exit: 'success' | 'failure' | 'terminated' | undefined;
}

/**
 * Parses lines of /var/log/emerge.log (`<unix>:  >>> emerge (i of n) cat/pf to /`,
 * `<unix>:  === (i of n) Compiling/Packaging (cat/pf::/path/x.ebuild)`, `... Merging Binary
 * (cat/pf::/path)`, `<unix>:  ::: completed emerge (i of n) cat/pf to /`).
 */
export function parseEmergeLog(text: string): EmergeLogSummary {
  const completed: string[] = [];
  const binary: string[] = [];
  const compiled: string[] = [];
  let exit: EmergeLogSummary['exit'];
  for (const raw of text.split('\n')) {
    const body = /^\d+: {1,2}(.*)$/.exec(raw.trimEnd())?.[1];
    if (body === undefined) continue;
    let m: RegExpExecArray | null;
    if ((m = /^::: completed emerge \(\d+ of \d+\) (\S+) to /.exec(body))) completed.push(m[1]!);
    else if ((m = /^=== \(\d+ of \d+\) Merging Binary \(([^:)]+)::/.exec(body))) binary.push(m[1]!);
    else if ((m = /^=== \(\d+ of \d+\) Compiling\/(?:Packaging|Merging) \(([^:)]+)::/.exec(body))) compiled.push(m[1]!);
    else if (body === '*** exiting successfully.') exit = 'success';
    else if (body.startsWith('*** exiting unsuccessfully')) exit = 'failure';
    else if (body === '*** terminating.') exit = 'terminated';
  }
  return { completed: [...new Set(completed)], binary: [...new Set(binary)], compiled: [...new Set(compiled)], exit };
}
