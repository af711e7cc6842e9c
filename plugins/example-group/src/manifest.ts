import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import type { SubjectBuild } from 'binfarm';

/** What the group's catalogue knows about a published image. */
export interface ImageManifest {
  schema: 'binfarm-example-group/manifest@1';
  subject: string;
  parent: string | null;
  image: { ref: string; id: string };
  /** The subject's content key (which inputs built it). */
  key: string | null;
  /** Registry the built-in publish pushes to (`registry.url`), when configured. */
  registry: string | null;
  /** Binhost partition holding its binary packages. */
  partition: string | null;
  /** Package sets and their atoms. */
  sets: Record<string, string[]>;
  labels: Record<string, string>;
  smoke: string[];
  runId: string;
  publishedAt: string;
}

export function imageManifest(build: SubjectBuild, now: Date = new Date()): ImageManifest {
  const s = build.subject;
  return {
    schema: 'binfarm-example-group/manifest@1',
    subject: s.name,
    parent: s.parent,
    image: { ref: build.image!.ref, id: build.image!.id },
    key: build.key ?? null,
    registry: build.run.options.registry?.url ?? null,
    partition: build.partition ?? null,
    sets: Object.fromEntries(Object.entries(s.sets).map(([set, atoms]) => [set, Object.keys(atoms)])),
    labels: { ...(s.labels ?? {}) },
    smoke: s.smoke.map((t) => t.name),
    runId: build.run.runId,
    publishedAt: now.toISOString(),
  };
}

/** Temp file + rename: a reader of the catalogue never sees half a manifest. */
export async function writeManifest(path: string, manifest: ImageManifest): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
