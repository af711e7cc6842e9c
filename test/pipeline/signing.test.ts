/**
 * binhost.signing through a real run (fixture stage3 and emerge on the real Docker engine, real gpg):
 * the package phase signs every new GPKG on the host before the index is regenerated, so the index
 * matches the signed files, and the published generation carries the signed packages.
 */
import test from 'ava';
import { join } from 'node:path';
import { verifyIndex } from '../../core/binhost/verify-index.ts';
import { readSubjectState } from '../../core/plan/state.ts';
import { verifyGpkgSignatures } from '../../core/signing/gpkg-verify.ts';
import { verifyBinhostSignatures } from '../../core/signing/verify-binhost-signatures.ts';
import { testKeyring } from '../helpers/gpg-keys.ts';
import { pipelineEnv } from './helpers.ts';

test.serial('a signing farm: every binpkg of the run is signed by the key, the index matches the signed files, the published generation too', async (t) => {
  const ring = await testKeyring();
  t.teardown(() => ring.cleanup());
  const key = await ring.addKey('Pipeline binhost <binhost@example.org>');
  const env = await pipelineEnv(t, 'signing');
  const farm = () =>
    env.farm((c) => {
      c.targets = ['hep-core'];
      c.run = { ...c.run, publish: true };
      c.binhost = { ...c.binhost, signing: { key, gpgHome: ring.gpgHome } };
    });
  const r = await env.run(farm());
  t.is(r.status, 'done', JSON.stringify(r.failures));
  const core = (await readSubjectState(join(env.dir, 'state'), 'hep-core'))!;
  t.true(core.packages.length >= 2);
  for (const p of core.packages) {
    const v = await verifyGpkgSignatures(join(core.partition.dir, p), ring, [key]);
    t.deepEqual(v.problems, [], p);
    t.is(v.signer, key);
  }
  // Regenerated after signing: sizes and digests in the index are the signed files'.
  await t.notThrowsAsync(verifyIndex(core.partition.dir));
  const report = (await verifyBinhostSignatures(farm()))!;
  t.true(
    report.dirs.some((d) => /generation 1$/.test(d.where)),
    report.dirs.map((d) => d.where).join(', '),
  );
  for (const d of report.dirs) {
    t.deepEqual(d.bad, [], d.where);
    t.deepEqual(Object.keys(d.signers), [key], d.where);
  }
});
