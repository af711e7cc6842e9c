/**
 * The `direct` step of an assembly (docs/assemble.md#direct): gathers what the writer needs from
 * the check's container and the engine (CONFIG_PROTECT from `portageq`, the from image's
 * filesystem, the binpkg files and their Packages entries, checked as the writer reads them), and writes the image
 * (direct/write-image.ts) with its SBOM (direct/direct-sbom.ts). The labels are those of the emerge path without the two that would
 * make each run's image differ (`binfarm.built-by`, and `org.opencontainers.image.created`, which
 * is the fixed creation time here).
 */
import { join } from 'node:path';
import { BinfarmError } from '../errors.ts';
import type { ContainerHandle, Engine } from '../engine/types.ts';
import type { IndexBlock } from '../binhost/packages-index.ts';
import { keepAssemblySbom } from '../sbom/assembly-sbom.ts';
import { binpkgLookup } from '../sbom/binpkg-facts.ts';
import { IMAGE_LABEL } from '../plan/image-labels.ts';
import type { SubjectBuild } from '../run/context.ts';
import type { AssemblyBase } from './resolve-from.ts';
import type { CheckResult } from './check-binpkgs.ts';
import { ASSEMBLY_LABEL, assemblyLabels } from './labels.ts';
import { mergedEntries } from './linkage.ts';
import type { AssemblySpec } from './spec.ts';
import { scanBase } from './direct/base-scan.ts';
import { parseProtect, type ProtectConfig } from './direct/config-protect.ts';
import { cachedScan } from './direct/scan-cache.ts';
import { writeDirectImage, type DirectResult } from './direct/write-image.ts';

export interface DirectStepInput {
  engine: Engine;
  build: SubjectBuild;
  container: ContainerHandle;
  spec: AssemblySpec;
  base: AssemblyBase;
  check: CheckResult;
  index: IndexBlock[];
  key: string;
  repo: string;
  tag: string;
}

/** Portage's own sets are never written to world_sets (emerge skips them too). */
const PORTAGE_SETS = new Set(['@world', '@system', '@selected', '@profile', '@installed']);

export async function assembleDirect(input: DirectStepInput): Promise<DirectResult> {
  const { engine, build, container, spec, base, check } = input;
  const packages = [];
  for (const m of check.merges) {
    const entry = mergedEntries(input.index, [m])[0];
    if (!entry?.PATH) return { kind: 'fallback', fallbacks: [{ cpv: m.cpv, reason: 'has no PATH in the Packages index' }], verified: false };
    packages.push({ merge: m, file: join(base.partition.dir, entry.PATH), entry, ...(entry.MD5 ? { md5: entry.MD5 } : {}) });
  }
  let from: { ref: string; scan: Awaited<ReturnType<typeof scanBase>> } | undefined;
  let protect: ProtectConfig = { protect: [], mask: [] };
  if (!spec.slim) {
    protect = await configProtect(container);
    build.progress.title(`read the filesystem of ${base.image.ref}`);
    const read = async () => scanBase(await engine.exportImage(base.image.id), protect);
    const { scan, cached } = await cachedScan(join(build.run.cacheDir, 'assemble-scans'), base.image.id, protect, read);
    if (cached) build.progress.output(`the filesystem of ${base.image.ref} as read by an earlier assembly (same image ID)`);
    from = { ref: base.image.id, scan };
  }
  const inherited = spec.slim ? {} : ((await engine.inspectImage(base.image.id))?.labels ?? {});
  const epoch = sourceDateEpoch(process.env.SOURCE_DATE_EPOCH);
  build.progress.title(`write ${input.repo}:${input.tag} from ${packages.length} binpkg${packages.length === 1 ? '' : 's'}`);
  const result = await writeDirectImage({
    engine,
    packages,
    verify: { assembly: spec.name, partitionDir: base.partition.dir },
    worldAtoms: check.args.filter((a) => !a.startsWith('@')).map(worldAtom),
    worldSets: check.args.filter((a) => a.startsWith('@') && !PORTAGE_SETS.has(a)),
    ...(from ? { from } : {}),
    protect,
    repo: input.repo,
    tag: input.tag,
    labels: directLabels(input, inherited[IMAGE_LABEL.portageVersion]),
    // the same document as the emerge path's (core/sbom/assembly-sbom.ts), from the same index
    sbom: { name: input.repo, binpkgOf: binpkgLookup([{ header: {}, packages: input.index }]) },
    workDir: join(build.run.runDir, `direct-${spec.name}`),
    ...(epoch !== undefined ? { sourceDateEpoch: epoch } : {}),
    progress: (l) => build.progress.output(l),
  });
  if (result.kind === 'image' && result.sbom) await keepAssemblySbom(build, spec.name, result.sbom);
  return result;
}

/** `portageq envvar CONFIG_PROTECT CONFIG_PROTECT_MASK` in the check's container (the from image's Portage config). */
async function configProtect(container: ContainerHandle): Promise<ProtectConfig> {
  const r = await container.exec(['portageq', 'envvar', 'CONFIG_PROTECT', 'CONFIG_PROTECT_MASK']);
  if (r.exitCode !== 0) {
    throw new BinfarmError(
      'E_ASSEMBLE',
      `\`portageq envvar CONFIG_PROTECT CONFIG_PROTECT_MASK\` failed in the from image (exit ${r.exitCode}): ${(r.stderr || r.stdout).trim()}`,
      {
        hint: 'The direct assembly needs CONFIG_PROTECT to leave protected files alone; `--via emerge` does without.',
      },
    );
  }
  return parseProtect(r.stdout);
}

/** The world entry of an argument atom: its cat/pn (Portage drops operators and versions). */
function worldAtom(atom: string): string {
  const bare = atom
    .replace(/^[<>=~!]+/, '')
    .replace(/\[.*$/, '')
    .replace(/::.*$/, '')
    .replace(/:.*$/, '')
    .replace(/\*$/, '');
  const slash = bare.indexOf('/');
  const m = /^(.+?)-\d+(?:\.\d+)*[a-z]?(?:_(?:alpha|beta|pre|rc|p)\d*)*(?:-r\d+)?$/.exec(bare.slice(slash + 1));
  return m && atom !== bare ? `${bare.slice(0, slash + 1)}${m[1]}` : bare;
}

export function sourceDateEpoch(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value))
    throw new BinfarmError('E_USAGE', `SOURCE_DATE_EPOCH="${value}" is not a number of seconds`, {
      hint: 'Unset it, or set it to e.g. $(git log -1 --format=%ct).',
    });
  return Number(value);
}

function directLabels(input: DirectStepInput, portageVersion: string | undefined): Record<string, string> {
  return {
    ...assemblyLabels(input.spec, input.base, input.check, input.index, input.key),
    [ASSEMBLY_LABEL.via]: 'direct',
    ...(portageVersion ? { [IMAGE_LABEL.portageVersion]: portageVersion } : {}),
  };
}
