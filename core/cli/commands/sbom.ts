import { defineCommand } from '../command.ts';

/** `binfarm sbom <subject|image> [--run ID]`: the SPDX 2.3 SBOM of a subject's image or of any binfarm image. */
export const command = defineCommand<{ run?: string }>({
  name: 'sbom',
  summary: 'print the SPDX SBOM of a subject or an image (made from its /var/db/pkg)',
  description:
    'A subject: the SBOM in its current image, or the copy beside the run that built it when the image is gone (--run <id>: that ' +
    "run's copy). An image reference: the file its binfarm.sbom label names (/usr/share/binfarm/sbom.spdx.json); an image " +
    'not present locally is pulled from its registry.',
  configure: (cmd) =>
    cmd.argument('<subject|image>', 'a subject of the farm, or an image reference').option('--run <id>', 'read the copy written beside this run'),
  async run([target], opts, ctx) {
    const { sbomText } = await import('../../sbom/sbom-command.ts');
    ctx.stdout.write(await sbomText(String(target), opts, ctx));
  },
});
