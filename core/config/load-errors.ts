import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { BinfarmError, isBinfarmError } from '../errors.ts';

/**
 * Turns what jiti / cosmiconfig throw while loading a config into a BinfarmError that says
 * what is wrong, where (file:line:column) and what to do.
 */
export function translateLoadError(e: unknown, file: string, rootDir: string): BinfarmError {
  if (isBinfarmError(e)) return e;
  const err = e instanceof Error ? e : new Error(String(e));
  const rel = displayPath(file);

  // jiti (babel): "ParseError: Unexpected token  \n /abs/file.ts:4:25" (column 0-based).
  const parse = /ParseError: (.*?)\s*\n\s*(\/[^\n]*?):(\d+):(\d+)/s.exec(err.message);
  if (parse) {
    const [, what, where, line, col] = parse;
    return syntaxError(where!, Number(line), Number(col) + 1, what!.trim(), err);
  }
  // js-yaml (.binfarmrc.yaml): mark.line/column are 0-based.
  const mark = (err as { mark?: { line?: number; column?: number } }).mark;
  if (err.name === 'YAMLException' && mark && typeof mark.line === 'number') {
    const reason = (err as { reason?: string }).reason ?? err.message.split('\n')[0]!;
    return syntaxError(file, mark.line + 1, (mark.column ?? 0) + 1, reason, err);
  }
  // parse-json (.binfarmrc.json, package.json): "... in JSON at position N" or "(line:col)".
  if (err.name === 'JSONError' || /JSON/.test(err.message)) {
    const lc = /(?:line|at) (\d+)(?: column |:)(\d+)/.exec(err.message);
    if (lc) return syntaxError(file, Number(lc[1]), Number(lc[2]), err.message.split('\n')[0]!, err);
  }

  const code = (err as { code?: string }).code;
  if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') {
    const spec = /Cannot find (?:module|package) '([^']+)'/.exec(err.message)?.[1];
    const from = /Require stack:\n- ([^\n]+)/.exec(err.message)?.[1] ?? file;
    if (spec && !spec.startsWith('.') && !isAbsolute(spec)) return notInstalled(spec, from, rootDir, err);
    return new BinfarmError('E_CONFIG_LOAD', `${displayPath(from)} imports "${spec ?? '?'}", which does not exist`, {
      cause: err,
      hint: 'Check the path of the import (relative to the importing file).',
    });
  }

  return new BinfarmError('E_CONFIG_LOAD', `${rel} failed while loading: ${err.message}`, {
    cause: err,
    hint: 'The config file runs as code; fix the error it throws (run with --verbose for the stack).',
  });
}

function syntaxError(file: string, line: number, column: number, what: string, cause: Error): BinfarmError {
  const rel = displayPath(file);
  const frame = codeFrame(file, line, column);
  return new BinfarmError('E_CONFIG_SYNTAX', `${rel}:${line}:${column}: syntax error: ${what}${frame ? `\n${frame}` : ''}`, {
    cause,
    hint: 'Fix the syntax at that position; nothing was run.',
    details: { file, line, column },
  });
}

/** Two lines of context and a caret under the column (1-based). */
export function codeFrame(file: string, line: number, column: number): string {
  let lines: string[];
  try {
    lines = readFileSync(file, 'utf8').split('\n');
  } catch {
    return '';
  }
  const out: string[] = [];
  const width = String(line + 1).length;
  for (let n = Math.max(1, line - 2); n <= Math.min(lines.length, line + 1); n++) {
    const mark = n === line ? '>' : ' ';
    out.push(`  ${mark} ${String(n).padStart(width)} | ${lines[n - 1]}`);
    if (n === line) out.push(`    ${' '.repeat(width)} | ${' '.repeat(Math.max(0, column - 1))}^`);
  }
  return out.join('\n');
}

/** The npm package name of a bare specifier (`@scope/pkg/sub` → `@scope/pkg`). */
export function packageNameOf(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function notInstalled(spec: string, from: string, rootDir: string, cause: Error): BinfarmError {
  const pkg = packageNameOf(spec);
  const workspace = findWorkspacePackage(rootDir, pkg);
  const rel = displayPath(from);
  const hint = workspace
    ? `"${pkg}" is the workspace package in ${displayPath(workspace)}; run \`npm install\` in ${rootDir} to link it.`
    : `Install it: \`npm install ${pkg}\` (in ${rootDir}).`;
  const what = pkg.includes('plugin') ? 'plugin package' : 'package';
  return new BinfarmError('E_PLUGIN_NOT_INSTALLED', `${rel} imports the ${what} "${pkg}", which is not installed`, {
    cause,
    hint,
    details: { package: pkg, command: workspace ? 'npm install' : `npm install ${pkg}` },
  });
}

/** A directory under <root>/plugins whose package.json is named `pkg` (an unlinked workspace). */
function findWorkspacePackage(rootDir: string, pkg: string): string | undefined {
  const dir = join(rootDir, 'plugins');
  if (!existsSync(dir)) return undefined;
  for (const name of readdirSync(dir)) {
    const manifest = join(dir, name, 'package.json');
    try {
      if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === pkg) return join(dir, name);
    } catch {
      // not a package
    }
  }
  return undefined;
}

/** Relative to the working directory when below it, else absolute. */
export function displayPath(file: string): string {
  const r = relative(process.cwd(), file);
  return r && !r.startsWith('..') ? r : file;
}
