/**
 * Publishing a finished run (called from the `done` hook, so a failed or interrupted run
 * publishes nothing): push the images of every subject of the run (built now or up to date),
 * then publish each of their binhost partitions as a new generation on every target.
 */
import type { RunContext } from '../run/context.ts';
import type { RunSummary } from '../hooks.ts';
import { readSubjectState, updateSubjectState } from '../plan/state.ts';
import { reconcileOnce } from '../binhost/reconcile.ts';
import { verifyCacheDir } from '../binhost/verify-cache.ts';
import { assertCompleteGeneration } from './completeness.ts';
import { publishGeneration } from './generations.ts';
import { publishingInterrupted } from './interrupted.ts';
import { pushSubjectImage, type PushedImage } from './registry.ts';
import { publishTargets } from './targets.ts';
import { pushProvenance } from '../provenance/push-provenance.ts';

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
  const targets = publishTargets(o, run.rootDir);
  const partitions = new Map([...staged.values()].map((s) => [s.partition.dir, s.partition.rel]));
  if (targets.length) {
    // Every subject of the farm recorded in a partition counts, not only this run's.
    const names = [...staged.keys(), ...(run.farm ? run.farm.subjects().keys() : [])];
    for (const [dir, rel] of partitions) {
      await reconcileOnce(run, dir, rel);
      await assertCompleteGeneration(run.stateDir, dir, rel, names);
    }
  }
  const generations = new Map<string, Record<string, number>>();
  const record = async (which: Iterable<StagedSubject>) => {
    const at = new Date().toISOString();
    for (const s of which) {
      const images = report.images.find((i) => i.subject === s.subject)?.refs;
      await updateSubjectState(run.stateDir, s.subject, {
        published: { ...(images ? { images } : {}), generations: generations.get(s.partition.rel) ?? {}, at },
      });
    }
  };
  // What an interrupt report names: the images pushed and the generations this run made current.
  const done = (finished: boolean) => ({
    finished,
    images: report.images.flatMap((i) => i.refs.slice(0, 1)),
    switched: report.generations.filter((g) => !g.unchanged).map((g) => ({ target: g.target, partition: g.partition, generation: g.generation })),
  });
  const checkInterrupt = () => {
    if (run.signal.aborted) throw run.signal.reason;
  };
  try {
    if (o.registry) {
      const engine = await run.engine();
      for (const s of staged.values()) {
        checkInterrupt();
        log.info(`pushing ${s.image.ref} to ${o.registry.url}/${s.subject}`);
        const pushed = await pushSubjectImage(engine, o, s.subject, s.image, s.key, { onProgress: (l) => log.debug(l) });
        report.images.push(pushed);
        log.info(`pushed ${pushed.refs.join(', ')}${pushed.digest ? ` (${pushed.digest})` : ''}`);
        const attestation = await pushProvenance(o, run.stateDir, s.image, pushed);
        if (attestation) log.info(`pushed its provenance as ${attestation}`);
        else log.warn(`no provenance recorded for ${s.image.ref} (built before binfarm recorded provenance): none pushed`);
      }
    } else {
      log.warn('registry.url is not set: images were not pushed');
    }
    if (!targets.length) log.warn('binhost.publish has no targets: binpkgs were not published');
    for (const t of targets) {
      for (const [dir, rel] of partitions) {
        checkInterrupt();
        const r = await publishGeneration(t, dir, rel, {
          keep: o.binhost.keep,
          log: (l) => log.info(l),
          warn: (l) => log.warn(l),
          cacheDir: verifyCacheDir(run.stateDir),
          signal: run.signal,
        });
        report.generations.push({ target: t.name, partition: rel, generation: r.generation, unchanged: r.unchanged });
        const g = generations.get(rel) ?? {};
        g[t.name] = r.generation;
        generations.set(rel, g);
      }
    }
  } catch (e) {
    if (!run.signal.aborted) throw e;
    // What did get published is recorded and named; the rest is untouched.
    await record([...staged.values()].filter((s) => generations.has(s.partition.rel) || report.images.some((i) => i.subject === s.subject)));
    throw publishingInterrupted(done(false), e);
  }
  await record(staged.values());
  // An interrupt after the last switch: published, but the run must not claim it finished.
  if (run.signal.aborted) throw publishingInterrupted(done(true));
  return report;
}
