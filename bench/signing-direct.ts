/**
 * The signing step alone (issue #14): signNewBinpkgs over a partition of GPKGs made like the fixture
 * emerge's (test/signing/helpers.ts), with a throwaway ed25519 key, for a small payload (the fixture's
 * size) and a 64 MiB one (gpg's hashing throughput); compare with the package phase per subject from
 * bench/signing.ts.   node --import=tsx bench/signing-direct.ts [--packages N]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { resolveSigning } from '../core/signing/config.ts';
import { signNewBinpkgs } from '../core/signing/sign-partition.ts';
import { testKeyring } from '../test/helpers/gpg-keys.ts';
import { makeUnsignedGpkg } from '../test/signing/helpers.ts';

const n = Number(process.argv[process.argv.indexOf('--packages') + 1]) || 6;
const dir = mkdtempSync(join(tmpdir(), 'binfarm-bench-sign-direct-'));
const ring = await testKeyring();
try {
  const key = await ring.addKey('Bench <bench@example.org>');
  const signing = await resolveSigning({ key, previousKeys: [], gpgHome: ring.gpgHome }, dir);
  for (const [label, payload, count] of [
    ['fixture-sized', 'hello\n', n],
    ['64 MiB image', 'x'.repeat(64 * 1024 * 1024), 1],
  ] as const) {
    const part = join(dir, label.replace(/\W+/g, '-'));
    for (let i = 0; i < count; i++) await makeUnsignedGpkg(join(part, `app-misc/p${i}/p${i}-1.0-1.gpkg.tar`), `p${i}-1.0-1`, payload);
    const t0 = performance.now();
    const signed = await signNewBinpkgs(part, signing);
    const ms = performance.now() - t0;
    console.log(`${label}: signed ${signed.length} GPKGs in ${ms.toFixed(0)} ms (${(ms / signed.length).toFixed(0)} ms each), load ${loadavg()[0]!.toFixed(1)}`);
  }
} finally {
  await ring.cleanup();
  rmSync(dir, { recursive: true, force: true });
}
