import { defineCommand } from '../command.ts';

/** `binfarm verify <image> [--key FILE]...`: provenance signature, subject digest and SBOM of an image. */
export const command = defineCommand<{ key?: string[] }>({
  name: 'verify',
  summary: "check an image's signed provenance and that its SBOM matches its /var/db/pkg",
  description:
    'An image in a registry (<registry>/<repo>:<tag>) is pulled by its manifest digest and its provenance read from ' +
    "<repo>:sha256-<hex>.att; a local image's provenance is read from the state dir. Checks: the provenance is an in-toto " +
    'statement with a SLSA predicate, signed by a trusted key (--key files, else the keyring of binhost.signing), naming ' +
    "this image's id; the SBOM file has the digest its label and the provenance record and lists exactly the packages of " +
    "the image's /var/db/pkg. Exits non-zero naming the checks that failed.",
  configure: (cmd) =>
    cmd
      .argument('<image>', 'image reference: <registry>/<repo>:<tag> (pushed) or a local image')
      .option('--key <file>', 'armoured public key that may have signed (repeatable)', (v: string, prev: string[] = []) => [...prev, v]),
  async run([image], opts, ctx) {
    const { runVerify } = await import('../../verify/verify-command.ts');
    return runVerify(String(image), opts, ctx);
  },
});
