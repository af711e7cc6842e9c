import { existsSync, linkSync, mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { BinfarmError } from '../errors.ts';
import { tempSibling } from '../util/fs.ts';
import {
  configTemplate,
  gitignoreTemplate,
  packageJsonTemplate,
  pluginIndexTemplate,
  pluginPackageTemplate,
  pluginTestTemplate,
  type InitNames,
} from './templates.ts';

export interface InitOptions {
  /** Target directory (created when missing). */
  dir: string;
  /** Farm name; default: the directory name. */
  name?: string;
  /** Scaffold a group plugin package plugins/<plugin>/. */
  plugin?: string;
  /** binfarm's version (dependency range). */
  version: string;
  /** Use @binfarm/plugin-smoke when it resolves from the farm dir (default: detect). */
  smokePlugin?: boolean;
}

export interface InitResult {
  dir: string;
  files: string[];
  smokePlugin: boolean;
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
      throw new BinfarmError('E_USAGE', `"${opts.plugin}" cannot be a plugin name`, {
        hint: 'Use lower-case letters, digits, ".", "_" and "-", e.g. --plugin mygroup.',
      });
    }
    plugin = { name: opts.plugin, pkg: `binfarm-plugin-${opts.plugin}`, factory: camel(opts.plugin) };
  }
  const smokePlugin = opts.smokePlugin ?? resolves('@binfarm/plugin-smoke', dir);
  const names: InitNames = { farm, version: opts.version, tsxVersion: tsxVersion(), smokePlugin, ...(plugin ? { plugin } : {}) };

  const files = new Map<string, string>([
    ['binfarm.config.ts', configTemplate(names)],
    ['package.json', packageJsonTemplate(names)],
    ['.gitignore', gitignoreTemplate],
  ]);
  if (plugin) {
    files.set(`plugins/${plugin.name}/package.json`, pluginPackageTemplate(plugin));
    files.set(`plugins/${plugin.name}/index.ts`, pluginIndexTemplate(plugin));
    files.set(`plugins/${plugin.name}/test/${plugin.name}.test.ts`, pluginTestTemplate(plugin));
  }

  const existing = [...files.keys()].filter((f) => existsSync(join(dir, f)));
  if (existing.length) {
    throw new BinfarmError(
      'E_USAGE',
      `binfarm init would overwrite ${existing.length} existing file${existing.length === 1 ? '' : 's'} in ${dir}:\n${existing.map((f) => `  ${f}`).join('\n')}`,
      {
        hint: 'Nothing was written. Move those files away, or run `binfarm init <new-dir>`.',
        details: { existing },
      },
    );
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
  return { dir, files: written, smokePlugin };
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

/** The tsx version binfarm itself runs on (the scaffold's tests use the same). */
function tsxVersion(): string {
  try {
    return (createRequire(import.meta.url)('tsx/package.json') as { version: string }).version;
  } catch {
    return '4.0.0';
  }
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
  return [
    `Created in ${result.dir}:`,
    ...result.files.map((f) => `  ${f}`),
    '',
    'Next:',
    `  ${cd}npm install        # binfarm and the plugins (links plugins/* workspaces)`,
    `  npx binfarm doctor     # is this machine ready?`,
    `  npx binfarm plan       # what a run would build`,
    `  npx binfarm run        # build it`,
  ].join('\n');
}
