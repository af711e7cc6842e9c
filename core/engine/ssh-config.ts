/**
 * The OpenSSH client configuration of an `ssh://` engine's host, read as `ssh` reads it — and so as
 * the docker CLI, which runs `ssh`, reaches `DOCKER_HOST=ssh://build1`: ~/.ssh/config, then
 * /etc/ssh/ssh_config, top to bottom; a `Host` or `Match` block applies when it matches the host
 * named in the URL, and for each keyword the first value found wins (IdentityFile adds up).
 *
 * Read: HostName, User, Port, IdentityFile, UserKnownHostsFile, GlobalKnownHostsFile,
 * HostKeyAlias, ConnectTimeout, and Include (files and `*`/`?` patterns in the last component).
 * `Match` blocks apply with the criteria all, host, originalhost, user and localuser; a block with
 * any other criterion (exec, canonical, final, localnetwork, tagged) never applies. ProxyJump and
 * ProxyCommand are reported (`proxy`): binfarm's transport connects directly and must not go
 * around them. Every other keyword is read past, as the settings of other programs are.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { BinfarmError } from '../errors.ts';

export interface SshHostConfig {
  /** HostName, else the host as given. */
  hostName: string;
  /** The URL's user, else User, else the local user. */
  user: string;
  /** The URL's port, else Port, else 22. */
  port: number;
  /** In the order found, `~` and %-tokens expanded. */
  identityFiles: string[];
  userKnownHostsFiles?: string[];
  globalKnownHostsFiles?: string[];
  hostKeyAlias?: string;
  connectTimeoutSeconds?: number;
  /** A ProxyJump or ProxyCommand that applies (not `none`), where it was set. */
  proxy?: { keyword: string; value: string; where: string };
}

export interface SshConfigSource {
  /** The user's file (~/.ssh/config) and the system's (/etc/ssh/ssh_config), read in that order; a missing file is skipped. */
  userConfig: string;
  systemConfig: string;
  home: string;
  localUser: string;
}

/** The files `ssh` reads without -F. */
export function defaultSshConfig(home: string, localUser: string): SshConfigSource {
  return { userConfig: join(home, '.ssh', 'config'), systemConfig: '/etc/ssh/ssh_config', home, localUser };
}

const MAX_INCLUDE_DEPTH = 16;
/** Keywords whose first value wins (lower case, as OpenSSH compares them). */
const SINGLE = new Set([
  'hostname',
  'user',
  'port',
  'userknownhostsfile',
  'globalknownhostsfile',
  'hostkeyalias',
  'connecttimeout',
  'proxyjump',
  'proxycommand',
]);

/** The configuration of `alias` (the host as the URL names it); `given` is what the URL itself says, which wins. */
export function readSshHostConfig(alias: string, src: SshConfigSource, given: { user?: string | undefined; port?: number | undefined } = {}): SshHostConfig {
  const found = new Map<string, { args: string[]; where: string }>();
  const identityFiles: Array<{ file: string; where: string }> = [];
  const host = alias.toLowerCase();
  const read = (file: string, depth: number, userFile: boolean) => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return;
    }
    // Lines before the first Host or Match apply to every host.
    let applies = true;
    text.split(/\r?\n/).forEach((raw, i) => {
      const where = `${file} line ${i + 1}`;
      const words = splitLine(raw, where);
      if (!words.length) return;
      const [first, ...args] = words;
      const keyword = first!.toLowerCase();
      if (keyword === 'host') applies = args.length > 0 && hostMatches(host, args);
      else if (keyword === 'match')
        applies = matchApplies(args, {
          host: hostNameOf(found.get('hostname')?.args[0], alias).toLowerCase(),
          originalHost: host,
          user: given.user || found.get('user')?.args[0],
          localUser: src.localUser,
        });
      else if (!applies) return;
      else if (keyword === 'include') {
        if (depth >= MAX_INCLUDE_DEPTH) throw configError(where, `Include nests deeper than ${MAX_INCLUDE_DEPTH} files`, 'Remove the Include loop.');
        for (const arg of args)
          for (const f of includeFiles(expandHome(arg, src.home), userFile ? join(src.home, '.ssh') : '/etc/ssh')) read(f, depth + 1, userFile);
      } else if (keyword === 'identityfile') {
        if (args[0] !== undefined) identityFiles.push({ file: args[0], where });
      } else if (SINGLE.has(keyword) && args.length) {
        // ProxyJump and ProxyCommand compete: whichever comes first stops the other (also as `none`).
        const slot = keyword === 'proxyjump' || keyword === 'proxycommand' ? 'proxy' : keyword;
        if (!found.has(slot)) found.set(slot, { args: slot === 'proxy' ? [keyword, ...args] : args, where });
      }
    });
  };
  read(src.userConfig, 0, true);
  read(src.systemConfig, 0, false);

  const one = (k: string) => found.get(k)?.args[0];
  const portSet = found.get('port');
  const hostName = hostNameOf(one('hostname'), alias);
  const user = given.user || one('user') || src.localUser;
  const port = given.port ?? (portSet ? numberIn(portSet.args[0]!, 1, 65535, portSet.where, 'Port', 'a port number (1-65535)') : 22);
  const tokens = { home: src.home, localUser: src.localUser, hostName, alias, port, user };
  const out: SshHostConfig = { hostName, user, port, identityFiles: identityFiles.map((f) => expandSshTokens(f.file, tokens, f.where)) };
  const files = (k: string) => {
    const f = found.get(k);
    return f && f.args.filter((a) => a.toLowerCase() !== 'none').map((a) => expandSshTokens(a, tokens, f.where));
  };
  const timeout = found.get('connecttimeout');
  if (timeout) out.connectTimeoutSeconds = numberIn(timeout.args[0]!, 1, 86_400, timeout.where, 'ConnectTimeout', 'a number of seconds');
  const userKnown = files('userknownhostsfile');
  if (userKnown) out.userKnownHostsFiles = userKnown;
  const globalKnown = files('globalknownhostsfile');
  if (globalKnown) out.globalKnownHostsFiles = globalKnown;
  const keyAlias = one('hostkeyalias');
  if (keyAlias) out.hostKeyAlias = keyAlias;
  const proxy = found.get('proxy');
  if (proxy && proxy.args[1]!.toLowerCase() !== 'none') {
    out.proxy = { keyword: proxy.args[0] === 'proxyjump' ? 'ProxyJump' : 'ProxyCommand', value: proxy.args.slice(1).join(' '), where: proxy.where };
  }
  return out;
}

/**
 * `~/` and ssh's tokens in a file name from the config: %d home, %u local user, %h host name,
 * %n the host as given, %p port, %r remote user, %% a percent sign.
 */
function expandSshTokens(
  value: string,
  t: { home: string; localUser: string; hostName: string; alias: string; port: number; user: string },
  where: string,
): string {
  return expandHome(value, t.home).replace(/%(.)/g, (m, c: string) => {
    const v = ({ d: t.home, u: t.localUser, h: t.hostName, n: t.alias, p: String(t.port), r: t.user, '%': '%' } as Record<string, string>)[c];
    if (v === undefined)
      throw configError(where, `"${value}" holds ${m}, a token binfarm does not expand`, 'Use %d, %u, %h, %n, %p, %r or %% there, or write the path out.');
    return v;
  });
}

/** HostName's value with %h (the host as given) and %% expanded; the host itself when unset. */
function hostNameOf(value: string | undefined, alias: string): string {
  return value === undefined ? alias : value.replace(/%(%|h)/g, (_, t: string) => (t === 'h' ? alias : '%'));
}

function expandHome(p: string, home: string): string {
  return p === '~' ? home : p.startsWith('~/') ? join(home, p.slice(2)) : p;
}

/** The words of a config line: `Keyword value...` or `Keyword=value`; double quotes group; `#` begins a comment. */
function splitLine(line: string, where: string): string[] {
  const words: string[] = [];
  let i = 0;
  const s = line.trim();
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i]!)) i++;
    if (i >= s.length || s[i] === '#') break;
    let w = '';
    if (s[i] === '"') {
      const end = s.indexOf('"', i + 1);
      if (end < 0) throw configError(where, 'a quote is not closed', 'Close the quote.');
      w = s.slice(i + 1, end);
      i = end + 1;
    } else {
      while (i < s.length && !/\s/.test(s[i]!) && !(words.length === 0 && s[i] === '=')) w += s[i++];
    }
    words.push(w);
    // `Keyword=value` and `Keyword = value`: one `=` after the keyword separates it.
    if (words.length === 1) {
      while (i < s.length && /\s/.test(s[i]!)) i++;
      if (s[i] === '=') i++;
    }
  }
  return words;
}

/** A Host line: some pattern matches and no negated one does. */
function hostMatches(host: string, patterns: string[]): boolean {
  let hit = false;
  for (const p of patterns) {
    if (p.startsWith('!')) {
      if (globMatch(host, p.slice(1).toLowerCase())) return false;
    } else if (globMatch(host, p.toLowerCase())) hit = true;
  }
  return hit;
}

/** A comma-separated pattern list (Match's arguments), with `!` negation. */
function listMatches(value: string, list: string): boolean {
  return hostMatches(value, list.split(',').filter(Boolean));
}

function matchApplies(args: string[], at: { host: string; originalHost: string; user: string | undefined; localUser: string }): boolean {
  let ok = true;
  for (let i = 0; i < args.length; i++) {
    const raw = args[i]!.toLowerCase();
    const negate = raw.startsWith('!');
    const criterion = negate ? raw.slice(1) : raw;
    let r: boolean;
    if (criterion === 'all') r = true;
    else if (['host', 'originalhost', 'user', 'localuser'].includes(criterion)) {
      const list = args[++i];
      if (list === undefined) return false;
      const value =
        criterion === 'host' ? at.host : criterion === 'originalhost' ? at.originalHost : criterion === 'user' ? (at.user ?? at.localUser) : at.localUser;
      // Host names were folded to lower case already; user names are compared as they are.
      r = listMatches(value, criterion.endsWith('user') ? list : list.toLowerCase());
    } else return false; // exec, canonical, final, localnetwork, tagged: not evaluated here, so never applied
    if (negate ? r : !r) ok = false;
  }
  return ok;
}

/** `*` any run of characters, `?` one character. */
function globMatch(s: string, pattern: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    's',
  );
  return re.test(s);
}

/** The files an Include names: relative to ~/.ssh (the user's config) or /etc/ssh; `*` and `?` in the last component, sorted. */
function includeFiles(pattern: string, base: string): string[] {
  const path = isAbsolute(pattern) ? pattern : join(base, pattern);
  const name = basename(path);
  if (!/[*?]/.test(name)) return [path];
  let entries: string[];
  try {
    entries = readdirSync(dirname(path));
  } catch {
    return [];
  }
  return entries
    .filter((e) => globMatch(e, name))
    .sort()
    .map((e) => join(dirname(path), e));
}

function numberIn(value: string, min: number, max: number, where: string, keyword: string, what: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw configError(where, `${keyword} "${value}" is not ${what}`, `Correct ${keyword} there.`);
  return n;
}

function configError(where: string, what: string, hint: string): BinfarmError {
  return new BinfarmError('E_DOCKER_UNREACHABLE', `SSH client configuration ${where}: ${what}`, { hint, details: { reason: 'ssh-config', where } });
}
