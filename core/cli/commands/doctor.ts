import { defineCommand } from '../command.ts';

/** `binfarm doctor`: is this machine ready to run a farm? */
export const command = defineCommand({
  name: 'doctor',
  summary: 'check that this machine can run binfarm (Docker, squashfs-tools-ng, loop devices, disk, credentials)',
  description:
    'Checks Node, the config, the Docker Engine (reachable, version, API), squashfs-tools-ng, loop devices ' +
    '(for the squashfs tree mount), free disk in the state/cache dirs, registry credentials and gpg. Each ' +
    'check prints ok, warn or fail with a fix. Exits 1 when a check fails. Works without a config.',
  async run(_args, _opts, ctx) {
    const [{ runDoctor, formatDoctor }] = await Promise.all([import('../../doctor/doctor.ts')]);
    const config = await ctx.loadConfig().catch((error: unknown) => ({ error, cwd: ctx.global.cwd }));
    const report = await runDoctor({ config });
    if (ctx.global.json) ctx.printJson(report);
    else ctx.print(formatDoctor(report), true);
    return report.counts.fail ? 1 : 0;
  },
});
