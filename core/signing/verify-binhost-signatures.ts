/**
 * The signature half of `binfarm binhost verify`: every GPKG in the local partitions and in the
 * complete published generations on this machine is checked as Portage checks it
 * (gpkg-verify.ts) against the farm's published keys (current + previous), and the report says
 * which key signed how many packages and names every bad or unsigned one.
 */
import type { FarmContext } from '../types.ts';
import { binhostRoot } from '../binhost/partition.ts';
import { findPartitions } from '../binhost/serve.ts';
import { completeGenerations } from '../publish/generations.ts';
import { LocalFs } from '../publish/target-fs.ts';
import { publishTargets } from '../publish/targets.ts';
import { resolveStateDir } from '../run/paths.ts';
import { join, posix } from 'node:path';
import { gpkgFiles } from './binpkg-files.ts';
import { resolveSigning, type ResolvedSigning } from './config.ts';
import { verifyGpkgSignatures } from './gpkg-verify.ts';

export interface SignatureDirReport {
  /** `partition <rel>` or `<target> <partition> generation <n>`. */
  where: string;
  dir: string;
  checked: number;
  /** Fingerprint → number of packages whose Manifest it signed. */
  signers: Record<string, number>;
  bad: { path: string; problems: string[] }[];
}

export interface SignatureReport {
  keys: { fingerprint: string; uid?: string | undefined; role: 'current' | 'previous' }[];
  dirs: SignatureDirReport[];
}

export async function checkDirSignatures(dir: string, where: string, signing: ResolvedSigning): Promise<SignatureDirReport> {
  const r: SignatureDirReport = { where, dir, checked: 0, signers: {}, bad: [] };
  for (const rel of await gpkgFiles(dir)) {
    const v = await verifyGpkgSignatures(join(dir, rel), signing, signing.published);
    r.checked++;
    if (v.signer && !v.problems.length) r.signers[v.signer] = (r.signers[v.signer] ?? 0) + 1;
    if (v.problems.length) r.bad.push({ path: rel, problems: v.problems });
  }
  return r;
}

/** Undefined when the farm does not sign (`binhost.signing` unset). */
export async function verifyBinhostSignatures(farm: FarmContext, log?: (line: string) => void): Promise<SignatureReport | undefined> {
  const cfg = farm.options.binhost.signing;
  if (!cfg) return undefined;
  const signing = await resolveSigning(cfg, farm.rootDir, { secret: false });
  const report: SignatureReport = {
    keys: [{ fingerprint: signing.key, uid: signing.uid, role: 'current' }, ...signing.previous.map((f) => ({ fingerprint: f, role: 'previous' as const }))],
    dirs: [],
  };
  const root = binhostRoot(farm.options, resolveStateDir(farm.options, farm.rootDir));
  for (const rel of await findPartitions(root)) {
    log?.(`checking signatures in partition ${rel}`);
    report.dirs.push(await checkDirSignatures(join(root, ...rel.split('/')), `partition ${rel}`, signing));
  }
  for (const t of publishTargets(farm.options, farm.rootDir)) {
    if (!(t.fs instanceof LocalFs)) continue;
    for (const rel of await findPartitions(t.root)) {
      const base = posix.join(t.root, rel);
      for (const g of await completeGenerations(t.fs, base)) {
        log?.(`checking signatures in ${t.name} ${rel} generation ${g}`);
        report.dirs.push(await checkDirSignatures(posix.join(base, 'generations', String(g)), `${t.name} ${rel} generation ${g}`, signing));
      }
    }
  }
  return report;
}

/** Human lines: per directory, which key signed how many packages, then every bad one with its problems. */
export function printSignatureReport(r: SignatureReport, print: (line: string) => void): void {
  const name = (f: string) => {
    const k = r.keys.find((x) => x.fingerprint === f);
    return k ? `${f} (${k.role}${k.uid ? `, ${k.uid}` : ''})` : f;
  };
  for (const d of r.dirs) {
    print(`signatures, ${d.where}: ${d.checked} GPKG${d.checked === 1 ? '' : 's'}, ${d.bad.length ? `${d.bad.length} bad` : 'ok'}`);
    for (const [f, n] of Object.entries(d.signers)) print(`    ${n} signed by ${name(f)}`);
    for (const b of d.bad) print(`    BAD ${b.path}: ${b.problems.join('; ')}`);
  }
}
