import { defineCommand } from '../command.ts';

/** `binfarm shell <subject> [-- command...]`: a container from the subject's image, as in a build. */
export const command = defineCommand<{ failed?: boolean }>({
  name: 'shell',
  summary: "a shell in a subject's current image (or its kept failed build) with the tree and binhost mounted as in a build",
  description:
    "Starts a container from the subject's current image (from its state) with the tree and overlays mounted and the binhost " +
    'partition at PKGDIR (read-only), runs an interactive shell (bash, else sh) or the command given after `--`, and removes ' +
    'the container when it exits. Exits with the exit code of the shell or command. With a terminal on stdin it gets a TTY; ' +
    'otherwise stdin is passed through and stdout/stderr stay apart. --failed opens the newest failed build kept by ' +
    '`binfarm run --keep-failed` (<imagePrefix>/<subject>:failed-<run-id>).',
  configure: (cmd) =>
    cmd
      .argument('<subject>', 'the subject')
      .argument('[command...]', 'command and arguments to run instead of a shell (after --)')
      .option('--failed', 'the newest failed build kept by --keep-failed instead of the current image'),
  async run([subject, command], opts, ctx) {
    const farm = await ctx.farm();
    const { openShell } = await import('../../shell/shell.ts');
    const argv = Array.isArray(command) ? command : [];
    const tty = !!process.stdin.isTTY && !!ctx.stdout.isTTY;
    return openShell(farm, String(subject), {
      argv,
      failed: !!opts.failed,
      io: { stdin: process.stdin, stdout: ctx.stdout, stderr: ctx.stderr, tty },
      signal: ctx.signal,
    });
  },
});
