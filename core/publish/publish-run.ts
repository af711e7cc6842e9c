/**
 * Publishing a finished run (called from the `done` hook, so a failed or interrupted run
 * publishes nothing): push the images of every subject of the run (built now or up to date),
 * then publish each of their binhost partitions as a new generation on every target.
 */
import type { RunContext } from '../run/context.ts';
import type { RunSummary } from '../hooks.ts';
import { BinfarmError } from '../errors.ts';
import { readSubjectState, updateSubjectState } from '../plan/state.ts';
import { publishGeneration } from './generations.ts';
import { pushSubjectImage, type PushedImage } from './registry.ts';
import { publishTargets } from './targets.ts';

export const PUBLISH_DATA = 'binfarm:publish';

/** A subject staged by the publish phase. */
export interface StagedSubject {
  subject: string;
  key: string;
  image: { ref: string; id: string };
  partition: { dir: string; rel: string };
}

export function stagedOf(run: RunContext): Map<string, StagedSubject> {
  let m = run.data.get(PUBLISH_DATA) as Map<string, StagedSubject> | undefined;
  if (!m) run.data.set(PUBLISH_DATA, (m = new Map()));
  return m;
}

export function publishingEnabled(run: RunContext): boolean {
  return run.publish ?? run.options.run.publish;
}

export interface PublishReport {
  images: PushedImage[];
  generations: Array<{ target: string; partition: string; generation: number; unchanged: boolean }>;
}

export async function publishRun(run: RunContext, summary: RunSummary): Promise<PublishReport> {
  const log = run.logger.child('publish');
  const staged = new Map(stagedOf(run));
  for (const name of summary.skipped) {
    if (staged.has(name)) continue;
    const s = await readSubjectState(run.stateDir, name);
    if (s) staged.set(name, { subject: name, key: s.key, image: s.image, partition: s.partition });
  }
  const report: PublishReport = { images: [], generations: [] };
  if (!staged.size) {
    log.info('nothing to publish');
    return report;
  }
  const o = run.options;
  if (o.registry) {
    const engine = await run.engine();
    for (const s of staged.values()) {
      log.info(`pushing ${s.image.ref} to ${o.registry.url}/${s.subject}`);
      const pushed = await pushSubjectImage(engine, o, s.subject, s.image, s.key, { onProgress: (l) => log.debug(l) });
      report.images.push(pushed);
      log.info(`pushed ${pushed.refs.join(', ')}${pushed.digest ? ` (${pushed.digest})` : ''}`);
    }
  } else {
    log.warn('registry.url is not set: images were not pushed');
  }
  const targets = publishTargets(o, run.rootDir);
  if (!targets.length) log.warn('binhost.publish has no targets: binpkgs were not published');
  const partitions = new Map([...staged.values()].map((s) => [s.partition.dir, s.partition.rel]));
  const generations = new Map<string, Record<string, number>>();
  for (const t of targets) {
    for (const [dir, rel] of partitions) {
      if (run.signal.aborted) throw new BinfarmError('E_INTERRUPTED', 'publishing was interrupted; the current generations are unchanged');
      const r = await publishGeneration(t, dir, rel, { keep: o.binhost.keep, log: (l) => log.info(l) });
      report.generations.push({ target: t.name, partition: rel, generation: r.generation, unchanged: r.unchanged });
      const g = generations.get(rel) ?? {};
      g[t.name] = r.generation;
      generations.set(rel, g);
    }
  }
  const at = new Date().toISOString();
  for (const s of staged.values()) {
    const images = report.images.find((i) => i.subject === s.subject)?.refs;
    await updateSubjectState(run.stateDir, s.subject, {
      published: { ...(images ? { images } : {}), generations: generations.get(s.partition.rel) ?? {}, at },
    });
  }
  return report;
}
