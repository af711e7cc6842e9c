/**
 * Smoke tests of a subject image: each test's argv runs (no shell) in a fresh container from
 * the new image; a non-zero exit, a timeout or output that does not match fails the subject.
 */
import { BinfarmError } from '../errors.ts';
import type { SmokeTest } from '../subject/types.ts';
import type { SubjectBuild } from '../run/context.ts';
import { nowMs } from '../util/clock.ts';

export interface SmokeOutcome {
  name: string;
  ok: boolean;
  ms: number;
  why?: string;
}

/** `expect` as a string must occur in stdout; as a RegExp it must match it. */
export function outputMatches(stdout: string, expect: string | RegExp | undefined): boolean {
  if (expect === undefined) return true;
  return typeof expect === 'string' ? stdout.includes(expect) : expect.test(stdout);
}

export async function runSmokeTests(build: SubjectBuild, imageRef: string, tests: readonly SmokeTest[] = build.subject.smoke): Promise<SmokeOutcome[]> {
  const engine = await build.run.engine();
  const out: SmokeOutcome[] = [];
  for (const t of tests) {
    build.progress.title(`smoke test ${t.name}`);
    const timeoutMs = (t.timeout ?? 300) * 1000;
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(new Error('timeout')), timeoutMs);
    const onRun = () => ac.abort(build.run.signal.reason);
    build.run.signal.addEventListener('abort', onRun, { once: true });
    const t0 = nowMs();
    let outcome: SmokeOutcome;
    try {
      const r = await engine.run(
        { image: imageRef, cmd: t.cmd, labels: { 'binfarm.subject': build.subject.name, 'binfarm.role': 'smoke' } },
        { signal: ac.signal, onLine: (l) => build.progress.output(`[${t.name}] ${l}`) },
      );
      const ms = Math.round(nowMs() - t0);
      if (r.exitCode !== 0)
        outcome = {
          name: t.name,
          ok: false,
          ms,
          why: `exit status ${r.exitCode}${r.stderr.trim() ? `: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`,
        };
      else if (!outputMatches(r.stdout, t.expect))
        outcome = { name: t.name, ok: false, ms, why: `output ${JSON.stringify(r.stdout.trim().slice(0, 200))} does not match ${String(t.expect)}` };
      else outcome = { name: t.name, ok: true, ms };
    } catch (e) {
      if (build.run.signal.aborted) throw e;
      const ms = Math.round(nowMs() - t0);
      outcome = { name: t.name, ok: false, ms, why: ac.signal.aborted ? `timed out after ${t.timeout ?? 300} s` : (e as Error).message };
    } finally {
      clearTimeout(timer);
      build.run.signal.removeEventListener('abort', onRun);
    }
    out.push(outcome);
    build.progress.output(`smoke ${outcome.ok ? 'ok  ' : 'FAIL'} ${t.name} (${outcome.ms} ms)${outcome.why ? `: ${outcome.why}` : ''}`);
  }
  const bad = out.filter((o) => !o.ok);
  if (bad.length) {
    throw new BinfarmError(
      'E_SMOKE',
      `${bad.length} smoke test(s) of subject "${build.subject.name}" failed on ${imageRef}:\n  ${bad.map((b) => `${b.name}: ${b.why}`).join('\n  ')}`,
      {
        hint: `The image was removed, so the run will rebuild the subject. Each test ran as \`docker run --rm <image> <cmd...>\`; fix the test in the subject's "smoke" list or the packages it checks.`,
        details: { outcomes: out },
      },
    );
  }
  return out;
}
