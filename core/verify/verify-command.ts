/** `binfarm verify <image>` (the command module is core/cli/commands/verify.ts): runs the checks, prints one line each. */
import type { CommandContext } from '../cli/command.ts';
import { BinfarmError } from '../errors.ts';
import { engineFor, optionalConfig, type OptionalFarm } from './cli-support.ts';
import { trustedKeysFor, type KeyChoice } from './trusted-keys.ts';
import { verifyImage } from './verify-image.ts';

export async function runVerify(image: string, opts: { key?: string[] }, ctx: CommandContext): Promise<number> {
  const farm = await optionalConfig(ctx);
  const choice = await trustedKeysFor(opts.key, farm.config, ctx.global.cwd);
  try {
    return await verifyWith(image, choice, farm, ctx);
  } finally {
    await choice.dispose();
  }
}

async function verifyWith(image: string, choice: KeyChoice, farm: OptionalFarm, ctx: CommandContext): Promise<number> {
  const { keys, trusted } = choice;
  const engine = await engineFor(ctx, farm, 'verify');
  try {
    const report = await verifyImage({
      engine,
      ref: image,
      keys,
      ...(farm.config ? { options: farm.config.options } : {}),
      ...(farm.stateDir ? { stateDir: farm.stateDir } : {}),
    });
    if (ctx.global.json) ctx.printJson({ ...report, trustedKeys: trusted });
    else {
      ctx.print(`${report.image} (${report.imageId}${report.manifestDigest ? `, manifest ${report.manifestDigest}` : ''})`, true);
      ctx.print(`  trusted key${trusted.length === 1 ? '' : 's'}: ${trusted.map((k) => `${k.fingerprint} (${k.from})`).join(', ')}`, true);
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
