/** Farms and recorded builds for planner tests (no Docker: state files as a build writes them). */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigSchema, type BinfarmConfigInput } from '../../core/config/schema/index.ts';
import { createFarm, type Farm } from '../../core/farm.ts';
import { computeKey } from '../../core/plan/key.ts';
import { sourceHashes } from '../../core/plan/plan.ts';
import { writeSubjectState, STATE_VERSION } from '../../core/plan/state.ts';
import { resolveStateDir } from '../../core/run/paths.ts';

export const DIGESTS = { stage3: 'sha256:' + 'a'.repeat(64), tree: 'b'.repeat(64) };

/** hep-like DAG: base → hep-core → analysis, base → mc-sim. */
export function dagConfig(over: Partial<BinfarmConfigInput> = {}): BinfarmConfigInput {
  return {
    base: { sets: { 'hf-base': { 'app-editors/vim': { use: ['minimal'] } } } },
    subjects: {
      'hep-core': { sets: { 'hep-core': { 'sci-libs/gsl': {}, 'dev-libs/boost': { use: ['python'] } } } },
      analysis: { parent: 'hep-core', sets: { analysis: { 'sci-physics/root': { use: ['python'] } } } },
      'mc-sim': { sets: { mc: { 'sci-physics/geant4': {} } } },
    },
    ...over,
  };
}

export function makeFarm(config: BinfarmConfigInput, rootDir = mkdtempSync(join(tmpdir(), 'binfarm-plan-'))): Farm {
  return createFarm({ options: ConfigSchema.parse(config), rootDir, builtins: false, command: 'plan' });
}

/** Writes the state a successful build of `name` leaves (binpkgs created in its partition). */
export async function recordBuild(farm: Farm, name: string, parentKey: string | null, opts: { packages?: string[] } = {}): Promise<string> {
  const stateDir = resolveStateDir(farm.options, farm.rootDir);
  const subject = farm.subject(name);
  const comp = await computeKey(farm, subject, { parentKey, stage3Digest: DIGESTS.stage3, treeDigest: DIGESTS.tree }, stateDir);
  const packages = opts.packages ?? [`app-misc/${name}/${name}-1.0-1.gpkg.tar`];
  for (const p of packages) {
    mkdirSync(join(comp.partition.dir, p, '..'), { recursive: true });
    writeFileSync(join(comp.partition.dir, p), 'gpkg');
  }
  await writeSubjectState(stateDir, {
    version: STATE_VERSION,
    subject: name,
    key: comp.key!,
    inputs: comp.inputs,
    content: comp.content,
    sources: sourceHashes(farm.options),
    image: { ref: `binfarm/${name}:${comp.key!.slice(0, 12)}`, id: 'sha256:0' },
    partition: { rel: comp.partition.rel, dir: comp.partition.dir },
    packages,
    built: [],
    binary: [],
    portageVersion: '3.0.82',
    runId: 'test',
    builtAt: new Date().toISOString(),
  });
  return comp.key!;
}
