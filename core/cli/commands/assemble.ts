import { Option } from 'commander';
import { defineCommand } from '../command.ts';

interface AssembleCliOptions {
  from?: string;
  with?: string[];
  slim?: boolean;
  /** `--runtime a b` → list; `--no-runtime` → false. */
  runtime?: string[] | false;
  tag?: string;
  label?: string[];
  publish?: boolean;
  force?: boolean;
  via?: 'direct' | 'emerge';
  renderer?: 'default' | 'simple' | 'verbose' | 'silent';
}

/** `binfarm assemble <name> --from <subject> --with <set|atom>...`: an image from binpkgs only. */
export const command = defineCommand<AssembleCliOptions>({
  name: 'assemble',
  summary: 'make an image from binary packages (emerge --usepkgonly), without compiling',
  description:
    "Starts from the image of a built subject, with that subject's binhost partition as PKGDIR, and merges the " +
    'requested sets and atoms with `emerge --usepkgonly`: nothing is compiled. First `emerge --pretend` checks that ' +
    'every package (dependencies included) has a binary package; when some have none, it lists them with the subject ' +
    'that builds them. The result is <imagePrefix>/<name>:<key>. --slim merges into an empty ROOT instead and ships only ' +
    'that: no Portage, no tree, no compiler (docs/assemble.md). Without --from/--with the entry assemble.<name> of the ' +
    'config is used; flags override it. An assembly whose packages did not change reuses its image.',
  handlesSignals: true,
  configure: (cmd) =>
    cmd
      .argument('<name>', 'image name (becomes <imagePrefix>/<name>)')
      .option('--from <subject>', 'subject (or base) whose image and binary packages to use')
      .option('--with <items...>', 'package sets (@name) and atoms to install')
      .option('--slim', 'ship only the merged packages and their runtime deps (no Portage, tree or toolchain)')
      .option('--runtime <items...>', 'with --slim: atoms merged besides --with (default: sys-apps/baselayout virtual/libc)')
      .option('--no-runtime', 'with --slim: merge only --with and its runtime deps')
      .option('--tag <tag>', 'also tag the image <imagePrefix>/<name>:<tag> (and push that tag)')
      .addOption(new Option('--label <key=value>', 'add an image label (repeatable)').argParser(collect))
      .option('--publish', 'push the image to the configured registry')
      .option('--force', 'assemble again even if an image with the same packages exists')
      .addOption(new Option('--via <path>', 'direct: write the image from the binpkgs (default); emerge: emerge --usepkgonly in a container').choices(['direct', 'emerge']))
      .addOption(new Option('--renderer <name>', 'progress display (default: chosen from the terminal)').choices(['default', 'simple', 'verbose', 'silent'])),
  async run([name], opts, ctx) {
    const [{ BinfarmError, EXIT }, { createAssembleReporter }, { runInterruptible }] = await Promise.all([
      import('../../errors.ts'),
      import('../../assemble/progress.ts'),
      import('../interruptible.ts'),
    ]);
    const labels: Record<string, string> = {};
    for (const l of opts.label ?? []) {
      const eq = l.indexOf('=');
      if (eq <= 0)
        throw new BinfarmError('E_USAGE', `--label "${l}" is not key=value`, { hint: 'For example --label org.opencontainers.image.title=analysis.' });
      labels[l.slice(0, eq)] = l.slice(eq + 1);
    }
    const farm = await ctx.farm();
    const { assembleImage } = await import('../../assemble/assemble.ts');
    // Ctrl-C stops emerge, removes the container and releases the tree mounts, then exits 130.
    return runInterruptible(ctx, opts.renderer, async ({ renderer, signal }) => {
      const result = await assembleImage(farm, String(name), {
        flags: {
          ...(opts.from ? { from: opts.from } : {}),
          ...(opts.with?.length ? { with: opts.with } : {}),
          ...(opts.slim ? { slim: true } : {}),
          ...(opts.runtime === false ? { runtime: [] } : Array.isArray(opts.runtime) ? { runtime: opts.runtime } : {}),
          ...(opts.tag ? { tag: opts.tag } : {}),
          ...(opts.publish ? { publish: true } : {}),
          ...(opts.via ? { via: opts.via } : {}),
          ...(Object.keys(labels).length ? { labels } : {}),
        },
        reporter: createAssembleReporter(renderer, ctx),
        signal,
        force: !!opts.force,
      });
      if (renderer === 'json') ctx.printJson({ event: 'result', ...result });
      else {
        const what = result.status === 'up-to-date' ? 'up to date' : 'assembled';
        ctx.print(
          `✔ ${what}: ${result.refs.join(', ')} — ${result.packages.length} package${result.packages.length === 1 ? '' : 's'} from ${result.from.image}${result.slim ? ', slim' : ''} in ${(result.ms / 1000).toFixed(1)} s`,
        );
        if (result.published) ctx.print(`  pushed ${result.published.refs.join(', ')}${result.published.digest ? ` (${result.published.digest})` : ''}`);
        ctx.print(`  log: ${result.logFile}`);
      }
      return EXIT.ok;
    });
  },
});

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
