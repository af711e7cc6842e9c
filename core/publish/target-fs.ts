/**
 * The few filesystem operations publishing needs on a binhost target, on this machine (node:fs)
 * or on a remote host over ssh. Remote commands are argv (`ssh [args] host -- cmd arg...`); ssh
 * joins them into one line for the remote shell, so every path is checked against a safe
 * alphabet first and nothing from the user reaches that shell unchecked.
 */
import { lstat, mkdir, readdir, readFile, readlink, rename, rm, symlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { BinfarmError } from '../errors.ts';

export interface TargetFs {
  /** For messages: `/srv/binhost` or `user@host:/srv/binhost`. */
  readonly display: string;
  mkdirp(path: string): Promise<void>;
  /** Entry names of a directory; [] when it does not exist. */
  list(path: string): Promise<string[]>;
  exists(path: string): Promise<boolean>;
  /** Target of a symlink; undefined when it is missing or not a link. */
  readlink(path: string): Promise<string | undefined>;
  /** Points `link` at `target` atomically: a symlink beside it, renamed over it. */
  switchLink(link: string, target: string): Promise<void>;
  rmrf(path: string): Promise<void>;
  /** Text of a small file; undefined when missing. */
  readText(path: string): Promise<string | undefined>;
}

export class LocalFs implements TargetFs {
  constructor(readonly display: string) {}

  async mkdirp(path: string): Promise<void> {
    await mkdir(path, { recursive: true });
  }

  async list(path: string): Promise<string[]> {
    return readdir(path).catch(() => []);
  }

  async exists(path: string): Promise<boolean> {
    return lstat(path).then(
      () => true,
      () => false,
    );
  }

  async readlink(path: string): Promise<string | undefined> {
    return readlink(path).catch(() => undefined);
  }

  async switchLink(link: string, target: string): Promise<void> {
    const tmp = join(posix.dirname(link), `.${posix.basename(link)}.${process.pid}.tmp`);
    await rm(tmp, { force: true });
    await symlink(target, tmp);
    await rename(tmp, link);
  }

  async rmrf(path: string): Promise<void> {
    await rm(path, { recursive: true, force: true });
  }

  async readText(path: string): Promise<string | undefined> {
    return readFile(path, 'utf8').catch(() => undefined);
  }
}

/** Paths sent to a remote shell: no spaces, quotes, globs or shell syntax. */
const SAFE_PATH = /^[A-Za-z0-9._/@+=,:-]+$/;

export function checkRemotePath(path: string, what: string): string {
  if (!SAFE_PATH.test(path) || path.split('/').includes('..')) {
    throw new BinfarmError('E_PUBLISH', `${what} "${path}" cannot be used on a remote host: only letters, digits and . _ / @ + = , : - are allowed`, {
      hint: 'Choose a binhost path without spaces or shell characters.',
    });
  }
  return path;
}

export class SshFs implements TargetFs {
  readonly display: string;

  constructor(
    readonly host: string,
    readonly sshArgs: readonly string[],
    display: string,
  ) {
    this.display = display;
    if (!/^[A-Za-z0-9._@-]+$/.test(host)) throw new BinfarmError('E_PUBLISH', `"${host}" is not a valid ssh host`, { hint: 'Use host or user@host.' });
  }

  private async ssh(args: string[], okCodes: number[] = [0]): Promise<{ stdout: string; exitCode: number }> {
    const { execa } = await import('execa');
    const r = await execa('ssh', [...this.sshArgs, this.host, '--', ...args], { reject: false, stdin: 'ignore' });
    const code = r.exitCode ?? -1;
    if (!okCodes.includes(code)) {
      throw new BinfarmError(
        'E_PUBLISH',
        `ssh ${this.host} ${args.join(' ')} failed (exit ${code}): ${String(r.stderr || r.stdout)
          .trim()
          .split('\n')
          .slice(-3)
          .join(' | ')}`,
        {
          hint:
            (r as { code?: string }).code === 'ENOENT'
              ? 'Install an ssh client.'
              : `Check that \`ssh ${[...this.sshArgs, this.host].join(' ')} true\` works without a password prompt (keys or an agent).`,
        },
      );
    }
    return { stdout: String(r.stdout), exitCode: code };
  }

  async mkdirp(path: string): Promise<void> {
    await this.ssh(['mkdir', '-p', checkRemotePath(path, 'path')]);
  }

  async list(path: string): Promise<string[]> {
    const r = await this.ssh(['ls', '-1A', checkRemotePath(path, 'path')], [0, 1, 2]);
    return r.exitCode === 0 ? r.stdout.split('\n').filter(Boolean) : [];
  }

  async exists(path: string): Promise<boolean> {
    return (await this.ssh(['test', '-e', checkRemotePath(path, 'path'), '-o', '-L', path], [0, 1])).exitCode === 0;
  }

  async readlink(path: string): Promise<string | undefined> {
    const r = await this.ssh(['readlink', checkRemotePath(path, 'path')], [0, 1]);
    return r.exitCode === 0 ? r.stdout.trim() || undefined : undefined;
  }

  async switchLink(link: string, target: string): Promise<void> {
    checkRemotePath(link, 'link');
    checkRemotePath(target, 'link target');
    const tmp = posix.join(posix.dirname(link), `.${posix.basename(link)}.${process.pid}.tmp`);
    // Two commands, each its own argv: never `a && b` in one remote shell line.
    await this.ssh(['ln', '-sfn', target, tmp]);
    await this.ssh(['mv', '-T', tmp, link]);
  }

  async rmrf(path: string): Promise<void> {
    await this.ssh(['rm', '-rf', checkRemotePath(path, 'path')]);
  }

  async readText(path: string): Promise<string | undefined> {
    const r = await this.ssh(['cat', checkRemotePath(path, 'path')], [0, 1]);
    return r.exitCode === 0 ? r.stdout : undefined;
  }
}
