import { defineCheck } from '../types.ts';

/** gpg verifies signed stage3 tarballs and tree snapshots. */
export const gpgCheck = defineCheck({
  id: 'gpg',
  title: 'gpg',
  async run(ctx) {
    const o = ctx.options;
    const needed = (o.stage3.type === 'tarball' && !!o.stage3.gpgKey) || (o.tree.type === 'snapshot' && !!o.tree.gpgKey);
    const out = await ctx.exec('gpg', ['--version']);
    if (out.missing) {
      return {
        status: needed ? 'fail' : 'warn',
        summary: needed
          ? 'gpg is not installed, but the config asks for signature verification'
          : 'gpg is not installed (needed only to verify signed stage3 tarballs/snapshots)',
        hint: 'Install it: `apt-get install gnupg`.',
      };
    }
    const first = out.stdout.split('\n')[0] ?? 'gpg';
    return { status: 'ok', summary: `${first}${needed ? ' (signature verification configured)' : ''}` };
  },
});
