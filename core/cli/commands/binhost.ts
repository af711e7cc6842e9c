import { defineCommand } from '../command.ts';
import { ls, printLocalPartitions } from './binhost-ls.ts';

interface TargetOption {
  target?: string;
}

const list = defineCommand<TargetOption>({
  name: 'list',
  summary: 'list the published generations of every partition, per publish target (the local partitions when none)',
  configure: (cmd) => cmd.option('--target <name>', 'only this publish target (its path or name)'),
  async run(_args, opts, ctx) {
    const farm = await ctx.farm();
    if (!opts.target && !farm.options.binhost.publish.length) return printLocalPartitions(farm, ctx);
    const { listGenerations } = await import('../../publish/binhost-admin.ts');
    const targets = await listGenerations(farm, opts);
    if (ctx.global.json) return ctx.printJson(targets);
    for (const t of targets) {
      ctx.print(`${t.target}`, true);
      if (!t.partitions.length) ctx.print('  (nothing published)', true);
      for (const p of t.partitions) {
        const gens = p.generations.map((g) => (g === p.current ? `[${g}]` : String(g))).join(' ');
        ctx.print(`  ${p.partition}  generations: ${gens || 'none'}${p.current === undefined ? '  (no current)' : ''}`, true);
      }
    }
  },
});

const rollback = defineCommand<TargetOption & { partition?: string }>({
  name: 'rollback',
  summary: 'switch a partition\'s "current" back one generation on every publish target',
  description:
    'Points <target>/<partition>/current at the newest complete generation older than the current one. ' +
    'The switch is atomic (a new symlink renamed over the old one); clients see the older index at their next sync.',
  configure: (cmd) =>
    cmd
      .option(
        '--partition <path>',
        'partition path relative to the target, e.g. amd64/default/linux/amd64/23.0/opt-1a2b3c4d (needed when a target holds several)',
      )
      .option('--target <name>', 'only this publish target (its path or name)'),
  async run(_args, opts, ctx) {
    const farm = await ctx.farm();
    const { rollback: doRollback } = await import('../../publish/binhost-admin.ts');
    const done = await doRollback(farm, opts);
    if (ctx.global.json) return ctx.printJson(done);
    for (const r of done) ctx.print(`${r.target}/${r.partition}: current ${r.from} → ${r.to}`);
  },
});

const verify = defineCommand<{ fix?: boolean }>({
  name: 'verify',
  summary: 'hash every binpkg of the local partitions and the published generations against their Packages index, and check their signatures',
  description:
    'Checks SIZE and every digest of each file the index lists, in every local partition and every complete generation of the publish ' +
    'targets on this machine. Names each bad file and exits 1 when anything is bad. --fix moves the bad files of local partitions to ' +
    '<stateDir>/quarantine/ and rewrites their index; the subjects that used them are then stale and `binfarm run` rebuilds them. ' +
    'Published generations are immutable and never changed: publish again (a fresh generation) or roll back. With binhost.signing, every ' +
    'GPKG\'s signatures are checked as Portage checks them (docs/security.md), naming the bad or unsigned ones and which key signed what.',
  configure: (cmd) => cmd.option('--fix', 'quarantine the bad binpkgs of local partitions and rewrite their Packages index'),
  async run(_args, opts, ctx) {
    const farm = await ctx.farm();
    const { verifyBinhost, badCount } = await import('../../publish/verify-binhost.ts');
    const report = await verifyBinhost(farm, { fix: !!opts.fix });
    const { verifyBinhostSignatures, printSignatureReport } = await import('../../signing/verify-binhost-signatures.ts');
    const signatures = await verifyBinhostSignatures(farm);
    const bad = badCount(report) + (signatures?.dirs.reduce((n, d) => n + d.bad.length, 0) ?? 0);
    if (ctx.global.json) {
      ctx.printJson(signatures ? { ...report, signatures } : report);
      return bad ? 1 : 0;
    }
    if (signatures) printSignatureReport(signatures, (l) => ctx.print(l, true));
    const line = (b: { path: string; name: string; cpv: string; kind: string; what: string }) => `    BAD ${b.path} (${b.cpv}): ${b.kind}: ${b.what}`;
    for (const p of report.partitions) {
      ctx.print(`partition ${p.rel}: ${p.checked} binpkg${p.checked === 1 ? '' : 's'}, ${p.bad.length ? `${p.bad.length} bad` : 'ok'}`, true);
      for (const b of p.bad) ctx.print(line(b), true);
      if (p.quarantineDir) ctx.print(`    quarantined to ${p.quarantineDir}; the index no longer lists them`, true);
    }
    for (const g of report.generations) {
      const state = g.bad.length ? `${g.bad.length} bad` : 'ok';
      ctx.print(`${g.target} ${g.partition} generation ${g.generation}${g.current ? ' (current)' : ''}: ${g.checked} binpkgs, ${state}`, true);
      for (const b of g.bad) ctx.print(line(b), true);
    }
    if (!report.partitions.length && !report.generations.length) ctx.print('no local partition and no published generation found', true);
    for (const t of report.remoteTargets) ctx.warn(`${t}: not checked (a remote host; verify it there)`);
    const localBad = report.partitions.some((p) => p.bad.length);
    if (localBad && !report.fixed) ctx.warn('`binfarm binhost verify --fix` quarantines the bad binpkgs of local partitions and rewrites their index.');
    if (localBad && report.fixed) ctx.warn('the subjects whose images contain them are now stale: `binfarm plan --explain` names them, `binfarm run` rebuilds them.');
    if (report.generations.some((g) => g.bad.length)) {
      ctx.warn(
        'published generations are immutable and never repaired: `binfarm run --publish` publishes a fresh generation (it notices the damaged one), ' +
          'or `binfarm binhost rollback` switches current to an older one.',
      );
    }
    return bad ? 1 : 0;
  },
});

/** `binfarm binhost list|ls|rollback|verify`: the local and published binhost. */
export const command = defineCommand({
  name: 'binhost',
  summary: 'inspect, list, verify and roll back the binary-package host',
  subcommands: [list, ls, rollback, verify],
});
