import { grammarError } from './error.ts';

/**
 * Name grammars from PMS §3.1 (categories, packages, slots, repositories, USE flags, licences,
 * keywords). Each validator returns the name or throws E_GRAMMAR quoting the text.
 */
export const CATEGORY_RE = /^[A-Za-z0-9_][A-Za-z0-9+_.-]*$/;
export const PN_RE = /^[A-Za-z0-9_][A-Za-z0-9+_-]*$/;
export const SLOT_RE = /^[A-Za-z0-9_][A-Za-z0-9+_.-]*$/;
export const REPO_RE = /^[A-Za-z0-9_][A-Za-z0-9_-]*$/;
export const USE_FLAG_RE = /^[A-Za-z0-9][A-Za-z0-9+_@-]*$/;
export const LICENSE_RE = /^[A-Za-z0-9_][A-Za-z0-9+_.-]*$/;
export const KEYWORD_ARCH_RE = /^[A-Za-z0-9_][A-Za-z0-9_-]*$/;
export const SET_NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9+_.-]*$/;
/** A USE_EXPAND switch in package.use: `PYTHON_TARGETS:` makes the following tokens its values. */
export const USE_EXPAND_SWITCH_RE = /^[A-Z][A-Z0-9_]*:$/;
export const VAR_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** An env file name under /etc/portage/env (package.env tokens). */
export const ENV_FILE_RE = /^[A-Za-z0-9_][A-Za-z0-9+_.-]*$/;
/** A FEATURES token. */
export const FEATURE_RE = /^[a-z0-9][a-z0-9_-]*$/;

/** Index of the first character that breaks `re`'s alphabet (for the error column). */
function badIndex(text: string, first: RegExp, rest: RegExp): number {
  if (!text) return 0;
  if (!first.test(text[0]!)) return 0;
  for (let i = 1; i < text.length; i++) if (!rest.test(text[i]!)) return i;
  return text.length;
}

/** A USE flag name (no prefix). */
export function validateUseFlag(flag: string): string {
  if (!USE_FLAG_RE.test(flag)) {
    throw grammarError('E_GRAMMAR', 'USE flag', flag, badIndex(flag, /[A-Za-z0-9]/, /[A-Za-z0-9+_@-]/),
      'a USE flag name: a letter or digit, then letters, digits, "+", "_", "@" or "-"',
      flag.includes(' ') ? 'Write one flag per list item.' : undefined);
  }
  return flag;
}

/**
 * One token of a package.use line or of USE: `flag`, `-flag`, `-*`, or a USE_EXPAND switch
 * `PYTHON_TARGETS:` (when `allowExpandSwitch`).
 */
export function validateUseToken(token: string, allowExpandSwitch = true): string {
  if (token === '-*') return token;
  if (allowExpandSwitch && USE_EXPAND_SWITCH_RE.test(token)) return token;
  if (token.startsWith('-')) {
    try {
      validateUseFlag(token.slice(1));
    } catch {
      throw grammarError('E_GRAMMAR', 'USE flag', token, 1 + badIndex(token.slice(1), /[A-Za-z0-9]/, /[A-Za-z0-9+_@-]/),
        'a USE flag name after "-"');
    }
    return token;
  }
  return validateUseFlag(token);
}

/** A licence name, `@GROUP`, their `-` negations, `*` or `-*` (ACCEPT_LICENSE, package.license). */
export function validateLicenseToken(token: string): string {
  if (token === '*' || token === '-*') return token;
  let body = token;
  let offset = 0;
  if (body.startsWith('-')) { body = body.slice(1); offset++; }
  if (body.startsWith('@')) { body = body.slice(1); offset++; }
  if (!LICENSE_RE.test(body)) {
    throw grammarError('E_GRAMMAR', 'licence', token, offset + badIndex(body, /[A-Za-z0-9_]/, /[A-Za-z0-9+_.-]/),
      'a licence name (letters, digits, "+", "_", ".", "-"), a @GROUP, or "-" before either',
      token.includes(' ') ? 'Write one licence per list item.' : undefined);
  }
  return token;
}

/**
 * A keyword token (ACCEPT_KEYWORDS, package.accept_keywords): `amd64`, `~amd64`, `-amd64`,
 * `-~amd64`, `*`, `~*`, `**`, `-*`.
 */
export function validateKeywordToken(token: string): string {
  if (token === '*' || token === '~*' || token === '**' || token === '-*') return token;
  let body = token;
  let offset = 0;
  if (body.startsWith('-')) { body = body.slice(1); offset++; }
  if (body.startsWith('~')) { body = body.slice(1); offset++; }
  if (!KEYWORD_ARCH_RE.test(body)) {
    throw grammarError('E_GRAMMAR', 'keyword', token, offset + badIndex(body, /[A-Za-z0-9_]/, /[A-Za-z0-9_-]/),
      'an arch keyword such as "amd64" or "~amd64", or one of "*", "~*", "**", "-*"',
      token.includes(' ') ? 'Write one keyword per list item.' : undefined);
  }
  return token;
}

/** A set name as used for /etc/portage/sets/<name>; a leading `@` is accepted and stripped. */
export function validateSetName(name: string): string {
  const body = name.startsWith('@') ? name.slice(1) : name;
  const offset = name.length - body.length;
  if (!SET_NAME_RE.test(body)) {
    throw grammarError('E_GRAMMAR', 'set name', name, offset + badIndex(body, /[A-Za-z0-9_]/, /[A-Za-z0-9+_.-]/),
      'a set name: a letter, digit or "_", then letters, digits, "+", "_", "." or "-"');
  }
  return body;
}

export function validateRepoName(name: string): string {
  if (!REPO_RE.test(name)) {
    throw grammarError('E_GRAMMAR', 'repository name', name, badIndex(name, /[A-Za-z0-9_]/, /[A-Za-z0-9_-]/),
      'a repository name: letters, digits, "_" and "-", not starting with "-"');
  }
  return name;
}

export function validateEnvFileName(name: string): string {
  if (!ENV_FILE_RE.test(name)) {
    throw grammarError('E_GRAMMAR', 'env file name', name, badIndex(name, /[A-Za-z0-9_]/, /[A-Za-z0-9+_.-]/),
      'a file name under /etc/portage/env, e.g. "no-tmpfs.conf" (no "/")');
  }
  return name;
}

/** A FEATURES token, optionally negated: `buildpkg`, `-sandbox`, `-*`. */
export function validateFeatureToken(token: string): string {
  if (token === '-*') return token;
  const body = token.startsWith('-') ? token.slice(1) : token;
  if (!FEATURE_RE.test(body)) {
    throw grammarError('E_GRAMMAR', 'FEATURES token', token, token.length - body.length + badIndex(body, /[a-z0-9]/, /[a-z0-9_-]/),
      'a FEATURES name in lower case, e.g. "buildpkg" or "-sandbox"');
  }
  return token;
}
