/**
 * Moving a generation's files: into a local directory as copies (a reflink where the filesystem
 * can: btrfs, XFS), never hardlinks to the live partition — a binpkg changed there in place must
 * not change what was published; to an rsync target with rsync, hardlinking unchanged files
 * against the previous generation (`--link-dest`). Published files are made read-only.
 */
import { chmod, constants, copyFile, link, mkdir, rm } from 'node:fs/promises';
import { posix } from 'node:path';
import { BinfarmError } from '../errors.ts';
import type { Transfer, TransferOptions } from './generations.ts';

export class CloneOrCopy implements Transfer {
  async files(srcDir: string, files: string[], destDir: string, prevDir: string | undefined, opts: TransferOptions = {}): Promise<void> {
    for (const f of files) {
      const src = posix.join(srcDir, f);
      const dst = posix.join(destDir, f);
      await mkdir(posix.dirname(dst), { recursive: true });
      await rm(dst, { force: true });
      // A file the previous generation holds with the same verified content is shared between
      // the two generations (both immutable); anything else comes from the live partition.
      const shared = prevDir && opts.reuse?.has(f) ? await link(posix.join(prevDir, f), dst).then(() => true, () => false) : false;
      if (!shared) {
        try {
          await copyFile(src, dst, constants.COPYFILE_FICLONE);
        } catch (e) {
          throw publishError(`cannot copy ${src} to ${dst}`, e);
        }
      }
      // Readable by clients (quickpkg-made binpkgs may be 0600, docs/internals/gentoo.md#gpkg), writable by nobody.
      await chmod(dst, 0o444);
    }
  }
}

/** `host:/path` or `user@host:/path` → ssh host and remote path; a plain path is local. */
export function parseRsyncTarget(target: string): { host?: string; path: string } {
  const m = /^([A-Za-z0-9._@-]+):(.+)$/.exec(target);
  if (m && !target.startsWith('/')) return { host: m[1]!, path: m[2]! };
  return { path: target };
}

/** rsync's `-e` value: rsync splits it on spaces and honours single quotes. */
export function rshCommand(sshArgs: readonly string[]): string {
  return ['ssh', ...sshArgs].map((a) => (/^[A-Za-z0-9._/=@:,+-]+$/.test(a) ? a : `'${a.replace(/'/g, '')}'`)).join(' ');
}

export class RsyncTransfer implements Transfer {
  constructor(
    private readonly host: string | undefined,
    private readonly sshArgs: readonly string[],
  ) {}

  async files(srcDir: string, files: string[], destDir: string, prevDir: string | undefined): Promise<void> {
    if (!files.length) return;
    const { execa } = await import('execa');
    const dest = `${this.host ? `${this.host}:` : ''}${destDir.replace(/\/?$/, '/')}`;
    const args = [
      '--archive',
      '--chmod=a+rX',
      '--relative',
      ...(prevDir ? [`--link-dest=${posix.relative(destDir, prevDir)}`] : []),
      ...(this.host ? ['-e', rshCommand(this.sshArgs)] : []),
      // `dir/./path` keeps `path` relative under the destination (--relative).
      ...files.map((f) => `${srcDir.replace(/\/$/, '')}/./${f}`),
      dest,
    ];
    const r = await execa('rsync', args, { reject: false, stdin: 'ignore' });
    if (r.exitCode !== 0) {
      throw new BinfarmError('E_PUBLISH', `rsync to ${dest} failed (exit ${r.exitCode ?? 'none'}): ${String(r.stderr).trim().split('\n').slice(-3).join(' | ')}`, {
        hint: (r as { code?: string }).code === 'ENOENT' ? 'Install rsync.' : this.host ? `Check \`ssh ${this.host}\` works without a prompt and rsync is installed there.` : 'Check the target directory is writable.',
      });
    }
  }
}

function publishError(message: string, cause: unknown): BinfarmError {
  return new BinfarmError('E_PUBLISH', `${message}: ${(cause as Error).message}`, { cause });
}
