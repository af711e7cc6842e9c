/**
 * The planner's check of a subject's recorded binpkgs (state `packages` or the image label
 * `binfarm.binpkgs`): each must still be in its partition's `Packages` index and match it.
 * Cheap on a no-op plan: a stat per file, compared with the verify cache; only files whose stat
 * changed since they last verified good are hashed. A file that is gone, quarantined, left out
 * of the index or differs from it makes the subject stale (`binpkg corrupt: app-misc/x-1.0-1`),
 * so `binfarm run <subject>` rebuilds it.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { binpkgName, checkEntryFile } from '../binhost/entry-check.ts';
import { parsePackagesIndex, type IndexBlock } from '../binhost/packages-index.ts';
import { readQuarantine, type QuarantinedFile } from '../binhost/quarantine.ts';
import { VerifyCache, verifyCacheDir } from '../binhost/verify-cache.ts';
import type { StaleReason } from './types.ts';

interface PartitionView {
  /** Entries by PATH; undefined when the partition has no index (Portage then scans the files). */
  byPath: Map<string, IndexBlock> | undefined;
  cache: VerifyCache;
  quarantined?: Promise<Map<string, QuarantinedFile>>;
}

export class BinpkgCheck {
  private readonly views = new Map<string, Promise<PartitionView>>();

  constructor(private readonly stateDir: string) {}

  /** One stale reason per bad binpkg of `files` (PATH values in the partition `dir`). */
  async reasons(dir: string, rel: string, files: readonly string[]): Promise<StaleReason[]> {
    if (!files.length) return [];
    const view = await this.view(dir);
    const out: StaleReason[] = [];
    for (const file of files) {
      const why = await this.problem(view, dir, rel, file);
      if (why) out.push({ input: 'binpkgs', change: `binpkg ${why.kind}: ${binpkgName(file)}`, after: why.what });
    }
    await view.cache.save().catch(() => undefined);
    return out;
  }

  private async problem(view: PartitionView, dir: string, rel: string, file: string): Promise<{ kind: 'missing' | 'corrupt'; what: string } | undefined> {
    if (!view.byPath) return existsSync(join(dir, file)) ? undefined : { kind: 'missing', what: `${file} is gone from the partition` };
    const entry = view.byPath.get(file);
    if (entry) {
      const v = await checkEntryFile(dir, entry, view.cache, 'cached');
      return v.ok ? undefined : { kind: v.kind, what: v.what };
    }
    view.quarantined ??= this.quarantined(rel);
    const q = (await view.quarantined).get(file);
    if (q) return { kind: q.kind, what: `${q.what}; quarantined${q.movedTo ? ` to ${q.movedTo}` : ''}` };
    return { kind: 'missing', what: existsSync(join(dir, file)) ? `${file} is not in the Packages index` : `${file} is gone from the partition` };
  }

  private view(dir: string): Promise<PartitionView> {
    let v = this.views.get(dir);
    if (!v) {
      v = (async () => {
        const text = await readFile(join(dir, 'Packages'), 'utf8').catch(() => undefined);
        const byPath = text === undefined ? undefined : new Map(parsePackagesIndex(text).packages.filter((p) => p.PATH).map((p) => [p.PATH!, p]));
        return { byPath, cache: await VerifyCache.load(verifyCacheDir(this.stateDir), dir) };
      })();
      this.views.set(dir, v);
    }
    return v;
  }

  /** The newest quarantine record of each file of the partition. */
  private async quarantined(rel: string): Promise<Map<string, QuarantinedFile>> {
    const out = new Map<string, QuarantinedFile>();
    for (const r of await readQuarantine(this.stateDir, rel)) for (const f of r.files) out.set(f.path, f);
    return out;
  }
}
