import test from 'ava';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportPublicKeys } from '../../core/signing/gpg.ts';
import { attestationTag, fetchAttestation, pushAttestation } from '../../core/provenance/attestation.ts';
import { registryClient } from '../../core/provenance/registry-client.ts';
import { checkStatementSignature, signStatement } from '../../core/provenance/sign.ts';
import { buildStatement, parseStatement, sbomDigestOf, serializeStatement, subjectDigests } from '../../core/provenance/statement.ts';
import { ConfigSchema } from '../../core/config/schema/index.ts';
import { testKeyring } from '../helpers/gpg-keys.ts';
import { startRegistry } from '../engine/registry.ts';

const IMAGE_ID = `sha256:${'a'.repeat(64)}`;
const facts = {
  kind: 'subject' as const,
  name: 'hep/core',
  imageId: IMAGE_ID,
  binfarmVersion: '0.1.0',
  config: { path: '/farm/binfarm.config.ts', digest: `sha256:${'c'.repeat(64)}` },
  stage3Digest: `sha256:${'3'.repeat(64)}`,
  treeDigest: `sha256:${'7'.repeat(64)}`,
  contentKey: 'f'.repeat(64),
  parent: { ref: 'hep/base:123456789abc', digest: `sha256:${'b'.repeat(64)}` },
  sbom: { path: '/usr/share/binfarm/sbom.spdx.json', digest: `sha256:${'5'.repeat(64)}` },
  runId: '20261201-134000-abcd',
  finishedOn: '2026-12-01T13:40:00.000Z',
};

/** Options with the signing key set (binhost.signing). */
function optionsWithKey(gpgHome: string, key: string) {
  return ConfigSchema.parse({ name: 't', stage3: { type: 'local', image: 'x' }, tree: { type: 'dir', path: '/t' }, binhost: { signing: { key, gpgHome } } });
}

test('the statement is in-toto v1 with a SLSA v1 predicate naming the image, its inputs and its SBOM', (t) => {
  const s = parseStatement(serializeStatement(buildStatement(facts)), 'test');
  t.deepEqual(subjectDigests(s), [IMAGE_ID]);
  t.is(sbomDigestOf(s), facts.sbom.digest);
  const deps = Object.fromEntries(s.predicate.buildDefinition.resolvedDependencies.map((d) => [d.name, d.digest]));
  t.deepEqual(deps, { stage3: { sha256: '3'.repeat(64) }, tree: { sha256: '7'.repeat(64) }, 'parent-image': { sha256: 'b'.repeat(64) } });
  t.is(s.predicate.buildDefinition.internalParameters.contentKey, facts.contentKey);
  t.is(s.predicate.runDetails.metadata.invocationId, facts.runId);
  t.throws(() => parseStatement('{"_type":"x"}', 'test'), { message: /not an in-toto Statement v1/ });
});

test('a signed statement checks with the public key; a changed statement or another key does not', async (t) => {
  const ring = await testKeyring();
  t.teardown(() => ring.cleanup());
  const fpr = await ring.addKey('Group <group@example.org>');
  const statement = serializeStatement(buildStatement(facts));
  const sig = await signStatement({ options: optionsWithKey(ring.gpgHome, fpr), rootDir: '/' }, statement);
  t.regex(sig!, /^-----BEGIN PGP SIGNATURE-----/);
  const pub = join(ring.gpgHome, 'group.asc');
  await writeFile(pub, await exportPublicKeys(ring, [fpr]));
  const good = await checkStatementSignature(statement, sig!, { keyFiles: [pub] });
  t.true(good.ok, good.detail);
  t.regex(good.detail, new RegExp(fpr));
  const changed = await checkStatementSignature(statement.replace(facts.runId, '20261201-999999-ffff'), sig!, { keyFiles: [pub] });
  t.false(changed.ok);
  // signed by a key that is not the group's
  const other = await testKeyring();
  t.teardown(() => other.cleanup());
  const otherFpr = await other.addKey('Mallory <m@example.org>');
  const forged = await signStatement({ options: optionsWithKey(other.gpgHome, otherFpr), rootDir: '/' }, statement);
  const untrusted = await checkStatementSignature(statement, forged!, { keyFiles: [pub] });
  t.false(untrusted.ok);
  t.regex(untrusted.detail, /untrusted|bad/);
  t.is(
    await signStatement(
      { options: ConfigSchema.parse({ name: 't', stage3: { type: 'local', image: 'x' }, tree: { type: 'dir', path: '/t' } }), rootDir: '/' },
      statement,
    ),
    undefined,
  );
});

test('an attestation goes to a real registry (distribution 2.8) under sha256-<digest>.att and comes back intact', async (t) => {
  const registry = await startRegistry();
  t.teardown(() => registry.stop());
  const client = registryClient({ host: registry.host, auth: { username: registry.user, password: registry.password, serveraddress: registry.host } });
  const manifestDigest = `sha256:${'d'.repeat(64)}`;
  const a = { statement: serializeStatement(buildStatement(facts)), signature: '-----BEGIN PGP SIGNATURE-----\nx\n-----END PGP SIGNATURE-----\n' };
  const ref = await pushAttestation(client, 'binfarm-test/hep-core', manifestDigest, a);
  t.is(ref, `${registry.host}/binfarm-test/hep-core:sha256-${'d'.repeat(64)}.att`);
  t.is(attestationTag(manifestDigest), `sha256-${'d'.repeat(64)}.att`);
  t.deepEqual(await fetchAttestation(client, 'binfarm-test/hep-core', manifestDigest), a);
  t.is(await fetchAttestation(client, 'binfarm-test/hep-core', `sha256:${'e'.repeat(64)}`), undefined);
  // without credentials the registry refuses, and the error says what to do
  const anon = registryClient({ host: registry.host });
  await t.throwsAsync(fetchAttestation(anon, 'binfarm-test/hep-core', manifestDigest), { message: /wants credentials/ });
});
