/**
 * SBOM, provenance and `binfarm verify` end to end: the fixture emerge farm on the real dockerd,
 * a real registry (distribution 2.8, htpasswd) and real gpg with throwaway keys.
 */
import test from 'ava';
import { execa } from 'execa';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigSchema } from '../../core/config/schema/index.ts';
import { createFarm } from '../../core/farm.ts';
import { createEngine } from '../../core/engine/docker-engine.ts';
import { readSubjectState } from '../../core/plan/state.ts';
import { exportPublicKeys } from '../../core/signing/gpg.ts';
import { attestationTag, pushAttestation } from '../../core/provenance/attestation.ts';
import { registryClient } from '../../core/provenance/registry-client.ts';
import { signStatement } from '../../core/provenance/sign.ts';
import { parseStatement, serializeStatement } from '../../core/provenance/statement.ts';
import { readLocalAttestation } from '../../core/provenance/store.ts';
import { SBOM_DIGEST_LABEL, SBOM_PATH } from '../../core/sbom/image-sbom.ts';
import type { SpdxDocument } from '../../core/sbom/spdx.ts';
import { verifyImage } from '../../core/verify/verify-image.ts';
import { testKeyring } from '../helpers/gpg-keys.ts';
import { startRegistry } from '../engine/registry.ts';
import { pipelineEnv } from './helpers.ts';

const BIN = new URL('../../bin/binfarm.js', import.meta.url).pathname;

test.serial(
  'subject images carry an SBOM of exactly their /var/db/pkg; verify accepts the pushed image and rejects a replaced provenance or SBOM',
  async (t) => {
    const registry = await startRegistry();
    t.teardown(() => registry.stop());
    const ring = await testKeyring();
    t.teardown(() => ring.cleanup());
    const fpr = await ring.addKey('HEP group binhost <binhost@example.org>');
    const env = await pipelineEnv(t, 'sbom');
    const pubKey = join(env.dir, 'group.asc');
    writeFileSync(pubKey, await exportPublicKeys(ring, [fpr]));

    const parsed = ConfigSchema.parse(
      env.config((c) => {
        c.targets = ['hep-core'];
        c.registry = { url: `${registry.host}/binfarm-test`, username: registry.user, password: registry.password };
        c.run = { ...c.run, publish: true };
      }),
    );
    // binhost.signing, the group key (set after parsing: the gpg home is a per-test temp dir)
    const options = { ...parsed, binhost: { ...parsed.binhost, signing: { key: fpr, gpgHome: ring.gpgHome, previousKeys: [] } } };
    const farm = createFarm({ options, rootDir: env.dir, command: 'run' });
    const r = await env.run(farm);
    t.is(r.status, 'done', JSON.stringify(r.failures));
    const stateDir = join(env.dir, 'state');
    const core = (await readSubjectState(stateDir, 'hep-core'))!;

    // The SBOM in the image lists exactly the packages of its /var/db/pkg (read with plain docker, not binfarm).
    const inImage = async (image: string, ...cmd: string[]) => (await execa('docker', ['run', '--rm', '--network', 'none', image, ...cmd])).stdout;
    const vdb = (await inImage(core.image.id, 'find', '/var/db/pkg', '-mindepth', '2', '-maxdepth', '2', '-type', 'd'))
      .split('\n')
      .map((l) => l.replace('/var/db/pkg/', ''))
      .sort();
    t.deepEqual(vdb, ['app-misc/hello-2.12.2', 'dev-libs/boost-1.88.0', 'sci-libs/gsl-2.8']);
    const sbomText = await inImage(core.image.id, 'cat', SBOM_PATH);
    const sbom = JSON.parse(sbomText) as SpdxDocument;
    t.deepEqual(
      sbom.packages.slice(1).map((p) => `${p.name}-${p.versionInfo}`),
      vdb,
    );
    const boost = sbom.packages.find((p) => p.name === 'dev-libs/boost')!;
    t.regex(boost.externalRefs![0]!.referenceLocator, /^pkg:gentoo\/dev-libs\/boost@1\.88\.0\?build_id=1&repository=gentoo&slot=0&use=python$/);
    t.is(boost.licenseDeclared, 'LicenseRef-MIT');
    t.is(boost.packageFileName, 'dev-libs/boost/boost-1.88.0-1.gpkg.tar');
    const binpkg = readFileSync(join(core.partition.dir, boost.packageFileName!));
    const { createHash } = await import('node:crypto');
    t.deepEqual(
      boost.checksums!.find((c) => c.algorithm === 'SHA1')!.checksumValue,
      createHash('sha1').update(binpkg).digest('hex'),
      "the checksum is the binpkg file's",
    );
    // the same bytes beside the run, and the label names their digest
    t.is(readFileSync(join(stateDir, 'runs', r.runId, 'sbom', 'hep-core.spdx.json'), 'utf8'), `${sbomText}\n`);
    const { createHash: h } = await import('node:crypto');
    const labels = JSON.parse((await execa('docker', ['image', 'inspect', '-f', '{{json .Config.Labels}}', core.image.id])).stdout) as Record<string, string>;
    t.is(labels[SBOM_DIGEST_LABEL], `sha256:${h('sha256').update(`${sbomText}\n`).digest('hex')}`);

    // The signed provenance names the image, beside the run and under the state dir.
    const local = (await readLocalAttestation(stateDir, core.image.id))!;
    const statement = parseStatement(local.statement, 'local');
    t.deepEqual(statement.subject[0]!.digest, { sha256: core.image.id.replace('sha256:', '') });
    t.is(statement.predicate.buildDefinition.internalParameters.contentKey, core.key);
    t.is(statement.predicate.runDetails.metadata.invocationId, r.runId);
    t.regex(local.signature!, /BEGIN PGP SIGNATURE/);
    t.is(readFileSync(join(stateDir, 'runs', r.runId, 'provenance', 'hep-core.intoto.json'), 'utf8'), local.statement);

    // `binfarm verify` on the pushed image, with only the public key (no config), as a client would.
    const ref = core.published!.images![0]!;
    const dockerConfig = mkdtempSync(join(tmpdir(), 'binfarm-dockercfg-'));
    const auth = Buffer.from(`${registry.user}:${registry.password}`).toString('base64');
    writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify({ auths: { [registry.host]: { auth } } }));
    const nowhere = mkdtempSync(join(tmpdir(), 'binfarm-verify-cwd-'));
    const verify = (image: string) =>
      execa('node', [BIN, '--cwd', nowhere, 'verify', '--key', pubKey, image], { reject: false, env: { DOCKER_CONFIG: dockerConfig } });
    const ok = await verify(ref);
    t.is(ok.exitCode, 0, `${ok.stdout}\n${ok.stderr}`);
    for (const check of ['provenance', 'signature', 'subject', 'sbom', 'sbom-packages']) t.regex(ok.stdout, new RegExp(`ok +${check} `));
    t.regex(ok.stdout, /3 packages, as in \/var\/db\/pkg/);
    t.true(ok.stdout.includes(`trusted key: ${fpr} (--key ${pubKey})`), ok.stdout);
    // `binfarm sbom`: a subject of the farm (config file), its run's copy, and a pushed image without any config
    const fileConfig = env.config((c) => {
      c.targets = ['hep-core'];
    });
    for (const sub of Object.values(fileConfig.subjects ?? {})) delete sub.smoke;
    delete fileConfig.base!.smoke;
    writeFileSync(join(env.dir, '.binfarmrc.json'), JSON.stringify(fileConfig));
    const sbomCli = (cwd: string, ...args: string[]) =>
      execa('node', [BIN, '--cwd', cwd, 'sbom', ...args], { reject: false, env: { DOCKER_CONFIG: dockerConfig } });
    for (const [cwd, args] of [
      [env.dir, ['hep-core']],
      [env.dir, ['hep-core', '--run', r.runId]],
      [nowhere, [ref]],
    ] as const) {
      const out = await sbomCli(cwd, ...args);
      t.is(out.exitCode, 0, out.stderr);
      t.is(out.stdout, sbomText, `binfarm sbom ${args.join(' ')}`);
    }
    const unknown = await sbomCli(nowhere, 'no-such-image:1');
    t.not(unknown.exitCode, 0);
    t.regex(unknown.stderr, /neither a built subject of this farm nor an image/);
    // and the local image, inside the farm (keys from binhost.signing)
    const engine = await createEngine(options, `verify-${process.pid}`, farm.getLogger('test'));
    t.teardown(() => engine.cleanup());
    const localReport = await verifyImage({ engine, ref: core.image.ref, keys: { gpgHome: ring.gpgHome }, stateDir });
    t.true(localReport.ok, JSON.stringify(localReport.checks));

    const client = registryClient({ host: registry.host, auth: { username: registry.user, password: registry.password, serveraddress: registry.host } });
    const manifestDigest = (await client.getManifest('binfarm-test/hep-core', ref.split(':').pop()!))!.digest;

    // 1. The provenance replaced: a statement claiming another run, signed by a key that is not the group's.
    const mallory = await testKeyring();
    t.teardown(() => mallory.cleanup());
    const mFpr = await mallory.addKey('Mallory <m@example.org>');
    const forgedStatement = serializeStatement({
      ...statement,
      predicate: {
        ...statement.predicate,
        runDetails: { ...statement.predicate.runDetails, metadata: { ...statement.predicate.runDetails.metadata, invocationId: 'forged' } },
      },
    });
    const mOptions = { ...parsed, binhost: { ...parsed.binhost, signing: { key: mFpr, gpgHome: mallory.gpgHome, previousKeys: [] } } };
    await pushAttestation(client, 'binfarm-test/hep-core', manifestDigest, {
      statement: forgedStatement,
      signature: (await signStatement({ options: mOptions, rootDir: '/' }, forgedStatement))!,
    });
    const badProv = await verify(ref);
    t.not(badProv.exitCode, 0);
    t.regex(badProv.stdout, /FAILED signature/);
    t.regex(badProv.stderr, /failed verification: signature/);
    // the group's statement with the signature of another statement does not pass either
    await pushAttestation(client, 'binfarm-test/hep-core', manifestDigest, { statement: forgedStatement, signature: local.signature! });
    t.regex((await verify(ref)).stdout, /FAILED signature/);
    await pushAttestation(client, 'binfarm-test/hep-core', manifestDigest, local);
    t.is((await verify(ref)).exitCode, 0, 'the genuine provenance back: accepted again');

    // 2. The SBOM replaced: an image with gsl dropped from its SBOM, pushed under the same tag, the
    //    genuine attestation copied to its digest's tag (the best an attacker without the key can do).
    const forged = { ...sbom, packages: sbom.packages.filter((p) => p.name !== 'sci-libs/gsl') };
    const ctxDir = mkdtempSync(join(tmpdir(), 'binfarm-forge-'));
    writeFileSync(join(ctxDir, 'sbom.spdx.json'), `${JSON.stringify(forged, null, 2)}\n`);
    writeFileSync(join(ctxDir, 'Dockerfile'), `FROM ${core.image.id}\nCOPY sbom.spdx.json ${SBOM_PATH}\n`);
    await execa('docker', ['build', '-q', '-t', ref, ctxDir], { env: { DOCKER_BUILDKIT: '0' } });
    t.teardown(() => execa('docker', ['rmi', '-f', ref], { reject: false }).then(() => undefined));
    await execa('docker', ['--config', dockerConfig, 'push', ref]);
    const forgedDigest = (await client.getManifest('binfarm-test/hep-core', ref.split(':').pop()!))!.digest;
    t.not(forgedDigest, manifestDigest);
    await pushAttestation(client, 'binfarm-test/hep-core', forgedDigest, local);
    const badSbom = await verify(ref);
    t.not(badSbom.exitCode, 0);
    t.regex(badSbom.stdout, /FAILED subject +the provenance names sha256:/);
    t.regex(badSbom.stdout, /FAILED sbom +\/usr\/share\/binfarm\/sbom\.spdx\.json has digest/);
    t.regex(badSbom.stdout, /FAILED sbom-packages +installed but not in the SBOM: pkg:gentoo\/sci-libs\/gsl@2\.8/);
    t.regex(badSbom.stderr, /failed verification: subject, sbom, sbom-packages/);
    t.is(attestationTag(forgedDigest), `sha256-${forgedDigest.slice(7)}.att`);
  },
);
