/**
 * The files `binfarm init` writes. Plain functions of a few names, so the output is easy to
 * read here and easy to test (the generated config must load and validate).
 */
export interface InitNames {
  /** Farm name (directory name by default): `name` in the config, the npm package name. */
  farm: string;
  /** Docker repository prefix of the farm's images (`<imagePrefix>/<subject>:<key>`). */
  imagePrefix: string;
  /** The package.json spec of the binfarm dependency (core/init/binfarm-source.ts). */
  binfarmSpec: string;
  /** Ranges of the tools the farm's scripts run, the ones binfarm itself uses. */
  tools: { tsx: string; typescript: string; typesNode: string; ava: string };
  /** binfarm's own ava settings (its package.json "ava"): plugin tests run as binfarm's do. */
  avaSettings: Record<string, unknown>;
  /** Import the smoke subject from @binfarm/plugin-smoke (it resolves from the farm dir), with this spec. */
  smokePlugin: boolean;
  smokeSpec?: string;
  /** The group plugin scaffolded with --plugin, if any. */
  plugin?: { name: string; pkg: string; factory: string };
}

export function configTemplate(n: InitNames): string {
  const imports = [`import { defineConfig } from 'binfarm';`];
  if (n.smokePlugin) imports.push(`import { smoke } from '@binfarm/plugin-smoke';`);
  if (n.plugin) imports.push(`import { ${n.plugin.factory} } from '${n.plugin.pkg}';`);
  const plugins = [n.smokePlugin ? 'smoke()' : undefined, n.plugin ? `${n.plugin.factory}()` : undefined].filter(Boolean);
  const smokeSubject = n.smokePlugin
    ? ''
    : `
  // A tiny first subject to try the pipeline end to end (replace it with your own layers).
  subjects: {
    smoke: {
      description: 'a quick end-to-end check of the farm',
      sets: { smoke: { 'app-misc/hello': {}, 'app-misc/jq': {} } },
      smoke: [{ name: 'hello', cmd: ['hello'] }, { name: 'jq', cmd: ['jq', '-n', '{"a":1}|.a'], expect: '1' }],
    },
  },
`;
  return `${imports.join('\n')}

/**
 * The ${n.farm} farm. \`binfarm plan\` shows what a run would build, \`binfarm run\` builds it,
 * \`binfarm config\` prints the effective settings and where each came from.
 * Every key is described in binfarm's docs/config.md. Values can be overridden without
 * editing this file: \`--set portage.makeopts=-j8\` or BINFARM_PORTAGE__MAKEOPTS=-j8.
 */
export default defineConfig({
  name: ${q(n.farm)},
  // Images are named <imagePrefix>/<subject>:<key>; a prefix of its own keeps this farm's images
  // apart from other farms on the same Docker daemon.
  imagePrefix: ${q(n.imagePrefix)},

  // The factory image starts from a Gentoo stage3 (a registry image, a tarball with its
  // DIGESTS and signature, or a local image) ...
  stage3: { type: 'registry', image: 'gentoo/stage3:amd64-openrc' },
  // ... and builds against an ebuild tree snapshot, mounted read-only as squashfs.
  tree: { type: 'image', image: 'gentoo/portage:latest' },

  portage: {
    // 'opt' (optimised) or 'dbg' (debug symbols and sources).
    buildType: 'opt',
    makeopts: '-j4',
  },

  run: {
    // Subjects built at once; emerge --jobs inside each.
    concurrency: 1,
    jobs: 2,
  },

  plugins: [${plugins.join(', ')}],
${smokeSubject}
  // What \`binfarm run\` builds when no subject is named.
  targets: [${[q('smoke'), ...(n.plugin ? [q(n.plugin.name)] : [])].join(', ')}],
});
`;
}

/** A single-quoted TS string literal. */
function q(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function packageJsonTemplate(n: InitNames): string {
  const pkg: Record<string, unknown> = {
    name: n.farm,
    version: '0.1.0',
    private: true,
    type: 'module',
    scripts: {
      plan: 'binfarm plan',
      build: 'binfarm run',
      doctor: 'binfarm doctor',
      typecheck: 'tsc -p .',
      ...(n.plugin ? { test: 'ava' } : {}),
    },
    ...(n.plugin ? { workspaces: ['plugins/*'] } : {}),
    ...(n.plugin ? { ava: { ...n.avaSettings, files: ['plugins/*/test/**/*.test.ts'] } } : {}),
    dependencies: {
      binfarm: n.binfarmSpec,
      ...(n.smokePlugin ? { '@binfarm/plugin-smoke': n.smokeSpec ?? '*' } : {}),
      ...(n.plugin ? { [n.plugin.pkg]: '*' } : {}),
    },
    devDependencies: {
      ...(n.plugin ? { ava: n.tools.ava, tsx: n.tools.tsx } : {}),
      typescript: n.tools.typescript,
      '@types/node': n.tools.typesNode,
    },
    engines: { node: '>=20.19' },
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

/**
 * binfarm ships TypeScript sources, not .d.ts files, so the farm's type check also checks the
 * binfarm modules it imports: with the compiler options binfarm is written for (its own
 * tsconfig.json), which include allowImportingTsExtensions (binfarm's imports end in .ts;
 * without it tsc reports TS5097 on each) and therefore noEmit. skipLibCheck covers .d.ts only.
 */
export function tsconfigTemplate(n: InitNames): string {
  const include = ['binfarm.config.ts', ...(n.plugin ? ['plugins/*/index.ts', 'plugins/*/src', 'plugins/*/test'] : [])];
  return `${JSON.stringify(
    {
      compilerOptions: {
        target: 'ES2023',
        lib: ['ES2023'],
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noUncheckedIndexedAccess: true,
        noImplicitOverride: true,
        verbatimModuleSyntax: true,
        allowImportingTsExtensions: true,
        noEmit: true,
        skipLibCheck: true,
        resolveJsonModule: true,
        types: ['node'],
      },
      include,
    },
    null,
    2,
  )}\n`;
}

export const gitignoreTemplate = `node_modules/
# binfarm state: run logs, locks, subject state, the local binhost
.binfarm/
`;

export function pluginPackageTemplate(p: { name: string; pkg: string }): string {
  return `${JSON.stringify(
    {
      name: p.pkg,
      version: '0.1.0',
      description: `binfarm group plugin "${p.name}": the ${p.name} layer of the farm`,
      type: 'module',
      exports: './index.ts',
      peerDependencies: { binfarm: '*' },
      peerDependenciesMeta: { binfarm: { optional: true } },
    },
    null,
    2,
  )}\n`;
}

export function pluginIndexTemplate(p: { name: string; factory: string }): string {
  const Type = p.factory.charAt(0).toUpperCase() + p.factory.slice(1);
  return `import { definePackageSets, definePlugin, type Plugin } from 'binfarm';

export interface ${Type}Options {
  /** The subject the ${p.name} layer is built on (default: the base image). */
  parent?: string;
  /** Extra atoms for the layer's set, e.g. { 'sci-libs/gsl': {} }. */
  atoms?: Record<string, { use?: string[]; accept_keywords?: string[] }>;
}

/**
 * The ${p.name} group's layer: one subject on top of \`parent\`, with its own package set and
 * smoke tests. Plugins tap binfarm's hooks (docs/plugins.md): \`subjects\` adds layers,
 * \`atom.for('cat/pkg')\` changes one package's settings, the phase hooks wrap or replace steps.
 */
export function ${p.factory}(options: ${Type}Options = {}): Plugin {
  const parent = options.parent ?? 'base';
  const sets = definePackageSets({
    ${q(p.name)}: {
      'app-misc/jq': {},
      ...options.atoms,
    },
  });
  return definePlugin({
    name: ${q(p.name)},
    version: '0.1.0',
    apply(farm) {
      farm.hooks.subjects.tap(${q(p.name)}, (subjects) => ({
        ...subjects,
        ${q(p.name)}: {
          parent,
          description: 'the ${p.name} group layer',
          sets,
          smoke: [{ name: 'jq', cmd: ['jq', '--version'] }],
          contributedBy: ${q(p.name)},
        },
      }));
    },
  });
}

export default ${p.factory};
`;
}

export function pluginTestTemplate(p: { name: string; factory: string }): string {
  return `// Run with \`npm test\`: ava, with the settings binfarm's own tests use (package.json "ava").
import test from 'ava';
import { ConfigSchema, createFarm, renderSubject } from 'binfarm';
import { ${p.factory} } from '../index.ts';

const farmWith = (options: Parameters<typeof ${p.factory}>[0]) =>
  createFarm({ options: ConfigSchema.parse({ plugins: [${p.factory}(options)] }), rootDir: process.cwd(), builtins: false });

test('${p.name} adds its layer on top of its parent', (t) => {
  const layer = farmWith({ atoms: { 'sci-libs/gsl': {} } }).subject(${q(p.name)});
  t.is(layer.parent, 'base');
  t.deepEqual(Object.keys(layer.sets[${q(p.name)}] ?? {}), ['app-misc/jq', 'sci-libs/gsl']);
});

test('${p.name} renders its package set and USE flags into /etc/portage', async (t) => {
  const { files } = await renderSubject(farmWith({ atoms: { 'sci-libs/gsl': { use: ['cblas'] } } }), ${q(p.name)});
  t.regex(files.get(${q(`sets/${p.name}`)}) ?? '', /^sci-libs\\/gsl$/m);
  t.regex([...files].filter(([path]) => path.startsWith('package.use/')).map(([, text]) => text).join('\\n'), /sci-libs\\/gsl .*cblas/);
});
`;
}
