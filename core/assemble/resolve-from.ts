/**
 * The `from` of an assembly: the subject's last built image and its binhost partition. The state
 * file (`<stateDir>/subjects/<name>.json`) says which; when it is lost or its image was removed,
 * the newest image labelled for the subject (`binfarm.subject`, `binfarm.key`, `binfarm.partition`)
 * is used. A subject never built is an error that says to build it; one whose inputs changed since
 * its image was built is used with a warning (the plan, offline, says what changed).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FarmContext } from '../types.ts';
import { BinfarmError } from '../errors.ts';
import type { Engine, ImageInfo } from '../engine/types.ts';
import type { Subject } from '../subject/types.ts';
import { binhostRoot } from '../binhost/partition.ts';
import { IMAGE_LABEL, trustedKey } from '../plan/image-labels.ts';
import { readSubjectState } from '../plan/state.ts';

export interface AssemblyBase {
  subject: Subject;
  image: { ref: string; id: string };
  partition: { dir: string; rel: string; root: string };
  /** Content key of that build, when known. */
  key?: string;
  /** Where the answer came from. */
  via: 'state' | 'labels';
}

export async function resolveFrom(farm: FarmContext, engine: Engine, stateDir: string, name: string): Promise<AssemblyBase> {
  const subject = farm.subject(name);
  const root = binhostRoot(farm.options, stateDir);
  const state = await readSubjectState(stateDir, name);
  let base: AssemblyBase | undefined;
  if (state) {
    const info = (state.image.id ? await engine.inspectImage(state.image.id) : undefined) ?? (await engine.inspectImage(state.image.ref));
    if (info)
      base = {
        subject,
        image: { ref: state.image.ref, id: info.id },
        partition: { dir: state.partition.dir, rel: state.partition.rel, root },
        key: state.key,
        via: 'state',
      };
  }
  if (!base) {
    const images = await engine.listImages({ label: [`${IMAGE_LABEL.subject}=${name}`, IMAGE_LABEL.key, IMAGE_LABEL.partition] });
    // Only promoted images (a pending one never passed its smoke tests), and only this farm's: another
    // farm on the engine may have a subject of the same name, whose binpkgs are in another binhost.
    const repo = `${farm.options.imagePrefix}/${name}:`;
    const ours = images.filter((img) => trustedKey(img.labels) && img.repoTags.some((t) => t.startsWith(repo)));
    const newest = ours.sort((a, b) => created(b).localeCompare(created(a)))[0];
    if (newest) {
      const rel = newest.labels[IMAGE_LABEL.partition]!;
      const ref = newest.repoTags.find((t) => t.startsWith(repo))!;
      base = {
        subject,
        image: { ref, id: newest.id },
        partition: { dir: join(root, ...rel.split('/')), rel, root },
        key: newest.labels[IMAGE_LABEL.key]!,
        via: 'labels',
      };
    }
  }
  if (!base) {
    const gone = state ? ` Its recorded image ${state.image.ref} no longer exists in the Docker engine at ${engine.host}.` : '';
    throw new BinfarmError('E_ASSEMBLE', `subject "${name}" has never been built, so there is no image and no binary packages to assemble from.${gone}`, {
      hint: `Build it first: \`binfarm run ${name}\`, then assemble again.`,
      details: { subject: name },
    });
  }
  if (!existsSync(join(base.partition.dir, 'Packages'))) {
    throw new BinfarmError(
      'E_ASSEMBLE',
      `the binhost partition of subject "${name}" (${base.partition.dir}) has no Packages index: its binary packages are gone`,
      {
        hint: `\`binfarm run ${name}\` rebuilds them (the run sees the binpkgs missing), or restore binhost.dir from a published generation.`,
        details: { subject: name, partition: base.partition.dir },
      },
    );
  }
  return base;
}

/** Why the subject would be rebuilt now (empty when up to date or unknown); never throws. */
export async function staleReasons(farm: FarmContext, name: string): Promise<string[]> {
  try {
    const { planRun } = await import('../plan/plan.ts');
    const plan = await planRun(farm, [name], { offline: true });
    const sp = plan.order.find((s) => s.subject.name === name);
    if (sp?.action !== 'build') return [];
    return sp.reasons.filter((r) => !/unknown/.test(r.change)).map((r) => `${r.input}: ${r.change}`);
  } catch {
    return [];
  }
}

function created(i: ImageInfo): string {
  return i.labels['org.opencontainers.image.created'] ?? '';
}
