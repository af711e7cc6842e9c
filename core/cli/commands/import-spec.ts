import { defineCommand } from '../command.ts';

/** `binfarm import-spec spec.yaml`: the original project's YAML spec as TypeScript package sets. */
export const command = defineCommand<{ output?: string }>({
  name: 'import-spec',
  summary: 'convert an original hep-soft YAML spec into TypeScript package sets',
  description:
    'Reads a spec of the form set → atom → { use, accept_keywords, license, mask, env, deps } (deps nested) and ' +
    "prints TypeScript using definePackageSets from 'binfarm', in the spec's order. Every atom, USE flag, " +
    'keyword and licence is validated; errors name the file, line, set and atom. YAML comments are not kept.',
  configure: (cmd) =>
    cmd.argument('<file>', 'the YAML spec, e.g. presets/spec-hepsoft.yaml').option('-o, --output <file>', 'write the TypeScript to a file instead of stdout'),
  async run([file], opts, ctx) {
    const { resolve } = await import('node:path');
    const { readFile } = await import('node:fs/promises');
    const { BinfarmError } = await import('../../errors.ts');
    const path = resolve(ctx.global.cwd, String(file));
    const text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
      throw new BinfarmError('E_USAGE', `cannot read ${path}: ${e.code ?? e.message}`);
    });
    const { importSpec } = await import('../../portage/spec-import/index.ts');
    const ts = importSpec(text, path);
    if (!opts.output) {
      ctx.print(ts.trimEnd(), true);
      return;
    }
    const { writeFileAtomic } = await import('../../util/fs.ts');
    const out = resolve(ctx.global.cwd, opts.output);
    await writeFileAtomic(out, ts);
    ctx.warn(`wrote ${out}`);
  },
});
