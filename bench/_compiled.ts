/**
 * Which code a benchmark's spawned `binfarm` runs. By default the compiled copy (dist/, what an
 * installed binfarm runs): it is rebuilt first, so a build older than the sources never stands in
 * for them (bin/binfarm.js would fall back to the sources then, silently). `--source` measures the
 * TypeScript sources through jiti instead, for an A/B in the same session.
 */
import { execa } from 'execa';

export interface BinfarmCode {
  /** What the report says ran. */
  label: string;
  /** Extra environment for the spawned command. */
  env: Record<string, string>;
}

export async function binfarmCode(argv: readonly string[] = process.argv): Promise<BinfarmCode> {
  if (argv.includes('--source')) return { label: 'the TypeScript sources through jiti (--source)', env: { BINFARM_LOADER: 'jiti' } };
  const root = new URL('..', import.meta.url).pathname;
  await execa('node', ['scripts/build.js'], { cwd: root, stdio: 'inherit' });
  return { label: 'the compiled copy in dist/ (npm run build, just made)', env: {} };
}
