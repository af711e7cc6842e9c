import { defineCommand } from '../command.ts';

interface ServeCliOptions {
  port: string;
  host: string;
  partition?: string;
  dir?: string;
}

/** `binfarm serve`: the binhost over HTTP for clients (the original's srv-start). */
export const command = defineCommand<ServeCliOptions>({
  name: 'serve',
  summary: 'serve the binhost over HTTP (read-only) and print the binrepos.conf clients need',
  description:
    'Serves the first "dir" publish target (or --dir, else the local binhost) read-only. Partitions published ' +
    'in generations are served through their "current" link, so a client\'s sync-uri is http://host:port/<partition> ' +
    '(or http://host:port/ with --partition). A browser gets HTML pages at / and at every partition (packages, generations, ' +
    'the binrepos.conf to copy). Dotfiles (generation markers) are never served. Stops on Ctrl-C.',
  configure: (cmd) =>
    cmd
      .option('--port <n>', 'TCP port (0 picks a free one)', '8080')
      .option('--host <addr>', 'address to listen on', '127.0.0.1')
      .option('--partition <path>', 'serve this partition at /')
      .option('--dir <path>', 'directory to serve instead of the configured one'),
  async run(_args, opts, ctx) {
    const farm = await ctx.farm();
    const [{ serveBinhost, binreposSnippet, findPartitions }, { BinfarmError }, { resolve }, { binhostRoot }, { resolveStateDir }] = await Promise.all([
      import('../../binhost/serve.ts'),
      import('../../errors.ts'),
      import('node:path'),
      import('../../binhost/partition.ts'),
      import('../../run/paths.ts'),
    ]);
    const o = farm.options;
    const dirTarget = o.binhost.publish.find((t) => t.type === 'dir');
    const root = opts.dir
      ? resolve(ctx.global.cwd, opts.dir)
      : dirTarget?.type === 'dir'
        ? resolve(farm.rootDir, dirTarget.path)
        : binhostRoot(o, resolveStateDir(o, farm.rootDir));
    const port = Number(opts.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new BinfarmError('E_USAGE', `--port ${opts.port} is not a TCP port`);
    const partitions = await findPartitions(root).catch((): string[] => []);
    if (opts.partition && !partitions.includes(opts.partition.replace(/^\/+|\/+$/g, ''))) {
      throw new BinfarmError('E_USAGE', `no partition "${opts.partition}" in ${root}`, {
        hint: partitions.length ? `Partitions: ${partitions.join(', ')}.` : 'Nothing is published there yet.',
      });
    }
    // Signing farms serve their public keys at a fixed URL and print how clients import them (docs/security.md).
    const { clientSigning } = await import('../../signing/serve-keys.ts');
    const signing = await clientSigning(o.binhost.signing, farm.rootDir);
    const server = await serveBinhost({
      root,
      ...(signing ? { documents: signing.documents, verifySignature: true } : {}),
      ...(opts.partition ? { partition: opts.partition.replace(/^\/+|\/+$/g, '') } : {}),
      port,
      host: opts.host,
      log: ctx.global.verbose ? (l) => ctx.warn(l) : undefined,
    });
    ctx.print(`serving ${root} at ${server.url}/ (Ctrl-C stops)`, true);
    const shown = opts.partition ? [''] : partitions;
    if (!shown.length) ctx.print('no partition published yet', true);
    for (const p of shown) {
      ctx.print(`\n# /etc/portage/binrepos.conf/binfarm.conf${p ? ` (${p})` : ''}`, true);
      ctx.print(binreposSnippet(`${server.url}/${p}`, 'binfarm', !!signing).trimEnd(), true);
    }
    if (signing) for (const l of signing.instructions(server.url)) ctx.print(l, true);
    await new Promise<void>((r) => (ctx.signal.aborted ? r() : ctx.signal.addEventListener('abort', () => r(), { once: true })));
    await server.close();
  },
});
