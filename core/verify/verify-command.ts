/** `binfarm verify <image>` (the command module is core/cli/commands/verify.ts): runs the checks, prints one line each. */
import { resolve } from 'node:path';
import type { CommandContext } from '../cli/command.ts';
import { BinfarmError } from '../errors.ts';
import type { TrustedKeys } from '../provenance/sign.ts';
import { signingOf } from '../provenance/signing-config.ts';
import { engineFor, optionalConfig } from './cli-support.ts';
import { verifyImage } from './verify-image.ts';

export async function runVerify(image: string, opts: { key?: string[] }, ctx: CommandContext): Promise<number> {
  const farm = await optionalConfig(ctx);
  const signing = farm.config ? signingOf(farm.config.options) : undefined;
  const keys: TrustedKeys = opts.key?.length
    ? { keyFiles: opts.key.map((k) => resolve(ctx.global.cwd, k)) }
    : signing
      ? { ...(signing.gpgHome ? { gpgHome: resolve(farm.config!.rootDir, signing.gpgHome) } : {}) }
      : {};
  if (!opts.key?.length && !signing) {
    throw new BinfarmError('E_USAGE', 'no key to check the signature with', {
      hint: "Pass the group's public key with --key <file.asc> (what `binfarm serve` publishes), or run inside a farm with binhost.signing set.",
    });
  }
  const engine = await engineFor(ctx, farm, 'verify');
  try {
    const report = await verifyImage({
      engine,
      ref: image,
      keys,
      ...(farm.config ? { options: farm.config.options } : {}),
      ...(farm.stateDir ? { stateDir: farm.stateDir } : {}),
    });
    if (ctx.global.json) ctx.printJson(report);
    else {
      ctx.print(`${report.image} (${report.imageId}${report.manifestDigest ? `, manifest ${report.manifestDigest}` : ''})`, true);
      for (const c of report.checks) ctx.print(`  ${c.ok ? 'ok    ' : 'FAILED'} ${c.check.padEnd(13)} ${c.detail}`, true);
    }
    if (report.ok) return 0;
    const failed = report.checks.filter((c) => !c.ok).map((c) => c.check);
    throw new BinfarmError('E_VERIFY', `${image} failed verification: ${failed.join(', ')}`, {
      details: { failed, checks: report.checks },
      hint: 'Do not use this image: its provenance, signature or SBOM is not what binfarm made (see the lines above).',
    });
  } finally {
    await engine.cleanup();
  }
}
