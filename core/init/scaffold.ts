import { existsSync, linkSync, mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { BinfarmError } from '../errors.ts';
import { tempSibling } from '../util/fs.ts';
import { BINFARM_ROOT, binfarmAvaSettings, binfarmRange, detectBinfarmDependency, type BinfarmDependency } from './binfarm-source.ts';
import {
  configTemplate,
  gitignoreTemplate,
  packageJsonTemplate,
  pluginIndexTemplate,
  pluginPackageTemplate,
  pluginTestTemplate,
  tsconfigTemplate,
  type InitNames,
} from './templates.ts';

export interface InitOptions {
  /** Target directory (created when missing). */
  dir: string;
  /** Farm name; default: the directory name. */
  name?: string;
  /** Scaffold a group plugin package plugins/<plugin>/. */
  plugin?: string;
  /** binfarm's version (the dependency range when binfarm came from the registry). */
  version: string;
  /** The binfarm dependency spec (`--binfarm`); default: detected from where this binfarm runs. */
  binfarm?: string;
  /** Use @binfarm/plugin-smoke when it resolves from the farm dir (default: detect). */
  smokePlugin?: boolean;
}

export interface InitResult {
  dir: string;
  files: string[];
  smokePlugin: boolean;
  dependency: BinfarmDependency;
}

const NAME = /^[a-z0-9][a-z0-9._-]*$/;

/**
 * `binfarm init`: writes a farm (config, package.json, .gitignore) and optionally a group plugin
 * package. Refuses, writing nothing, when any target file exists. Each file is written to a
 * temp sibling and hard-linked into place, which fails instead of replacing a file that
 * appeared in the meantime.
 */
export function initFarm(opts: InitOptions): InitResult {
  const dir = resolve(opts.dir);
  const farm = opts.name ?? sanitize(basename(dir));
  if (!NAME.test(farm)) {
    throw new BinfarmError('E_USAGE', `"${farm}" cannot be a farm name`, { hint: 'Use lower-case letters, digits, ".", "_" and "-" (--name <name>).' });
  }
  let plugin: InitNames['plugin'];
  if (opts.plugin !== undefined) {
    if (!NAME.test(opts.plugin)) {
      throw new BinfarmError('E_USAGE', `"${opts.plugin}" cannot be a plugin name`, { hint: 'Use lower-case letters, digits, ".", "_" and "-", e.g. --plugin mygroup.' });
    }
    plugin = { name: opts.plugin, pkg: `binfarm-plugin-${opts.plugin}`, factory: camel(opts.plugin) };
  }
  const smokePlugin = opts.smokePlugin ?? resolves('@binfarm/plugin-smoke', dir);
  const dependency: BinfarmDependency = opts.binfarm ? { spec: opts.binfarm, from: 'given' } : detectBinfarmDependency(opts.version);
  const names: InitNames = {
    farm,
    imagePrefix: imagePrefixFor(farm),
    binfarmSpec: dependency.spec,
    tools: { tsx: range('tsx'), typescript: range('typescript'), typesNode: range('@types/node'), ava: range('ava') },
    avaSettings: binfarmAvaSettings(),
    smokePlugin,
    // From a clone, the smoke plugin is one of its workspaces; otherwise whatever made it resolve here.
    ...(smokePlugin && dependency.from === 'clone' ? { smokeSpec: `file:${BINFARM_ROOT}/plugins/smoke` } : {}),
    ...(plugin ? { plugin } : {}),
  };

  const files = new Map<string, string>([
    ['binfarm.config.ts', configTemplate(names)],
    ['package.json', packageJsonTemplate(names)],
    ['tsconfig.json', tsconfigTemplate(names)],
    ['.gitignore', gitignoreTemplate],
  ]);
  if (plugin) {
    files.set(`plugins/${plugin.name}/package.json`, pluginPackageTemplate(plugin));
    files.set(`plugins/${plugin.name}/index.ts`, pluginIndexTemplate(plugin));
    files.set(`plugins/${plugin.name}/test/${plugin.name}.test.ts`, pluginTestTemplate(plugin));
  }

  const existing = [...files.keys()].filter((f) => existsSync(join(dir, f)));
  if (existing.length) {
    throw new BinfarmError('E_USAGE', `binfarm init would overwrite ${existing.length} existing file${existing.length === 1 ? '' : 's'} in ${dir}:\n${existing.map((f) => `  ${f}`).join('\n')}`, {
      hint: 'Nothing was written. Move those files away, or run `binfarm init <new-dir>`.',
      details: { existing },
    });
  }
  const written: string[] = [];
  try {
    for (const [rel, content] of files) {
      writeNew(join(dir, rel), content);
      written.push(rel);
    }
  } catch (e) {
    // All or nothing: remove what this call created.
    for (const rel of written) unlinkSync(join(dir, rel));
    throw e;
  }
  return { dir, files: written, smokePlugin, dependency };
}

function writeNew(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tempSibling(path);
  writeFileSync(tmp, content);
  try {
    linkSync(tmp, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new BinfarmError('E_USAGE', `${path} appeared while binfarm init was writing; not overwritten`, { cause: e });
    }
    throw e;
  } finally {
    unlinkSync(tmp);
  }
}

/** The range binfarm itself uses for a tool (the farm's tests and type check run the same). */
function range(name: string): string {
  const r = binfarmRange(name);
  if (!r) throw new Error(`binfarm's package.json names no version of ${name}`);
  return r;
}

/**
 * The farm name as a Docker repository path component: lower-case letters and digits, separated
 * by one ".", one "_", "__" or dashes (farm names allow "a..b" or a trailing "-"; Docker does not).
 */
export function imagePrefixFor(farm: string): string {
  const p = farm.replace(/[._-]{2,}/g, (m) => (/^-+$/.test(m) || m === '__' ? m : '-')).replace(/^[._-]+|[._-]+$/g, '');
  return p || 'binfarm';
}

/** Whether `pkg` is installed where Node would look from `fromDir` (node_modules up the tree). */
function resolves(pkg: string, fromDir: string): boolean {
  // Not require.resolve: a package whose "exports" hides package.json would look missing.
  for (let d = fromDir; ; d = dirname(d)) {
    if (existsSync(join(d, 'node_modules', pkg, 'package.json'))) return true;
    if (dirname(d) === d) return false;
  }
}

function sanitize(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '') || 'farm';
}

function camel(name: string): string {
  const c = name.replace(/[._-]+([a-z0-9])/g, (_, ch: string) => ch.toUpperCase()).replace(/^[^a-z]+/, '');
  return c || 'group';
}

export function nextSteps(result: InitResult, cwd = process.cwd()): string {
  const rel = relative(cwd, result.dir) || '.';
  const cd = rel === '.' ? '' : `cd ${rel.startsWith('..') ? result.dir : rel} && `;
  const origin = {
    clone: 'the clone that ran init',
    tarball: 'the tarball it was installed from',
    installed: 'the installed copy that ran init',
    registry: 'the npm registry',
    given: '--binfarm',
  }[result.dependency.from];
  return [
    `Created in ${result.dir}:`,
    ...result.files.map((f) => `  ${f}`),
    '',
    `binfarm dependency: ${result.dependency.spec} (${origin}; change it in package.json if that moves)`,
    '',
    'Next:',
    `  ${cd}npm install        # binfarm and the plugins (links plugins/* workspaces)`,
    `  npx binfarm doctor     # is this machine ready?`,
    `  npx binfarm plan       # what a run would build`,
    `  npx binfarm run        # build it`,
  ].join('\n');
}
