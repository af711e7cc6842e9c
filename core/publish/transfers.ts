/**
 * Moving a generation's files: into a local directory by hardlink (binpkgs are never rewritten
 * in place, so sharing inodes is safe) or copy across filesystems; to an rsync target with
 * rsync, hardlinking unchanged files against the previous generation (`--link-dest`).
 */
import { chmod, copyFile, link, mkdir, rm, stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { BinfarmError } from '../errors.ts';
import type { Transfer } from './generations.ts';

export class LinkOrCopy implements Transfer {
  async files(srcDir: string, files: string[], destDir: string): Promise<void> {
    for (const f of files) {
      const src = posix.join(srcDir, f);
      const dst = posix.join(destDir, f);
      await mkdir(posix.dirname(dst), { recursive: true });
      await rm(dst, { force: true });
      // Index files are rewritten in place by emaint: copy them; binpkgs: link.
      const isIndex = f === 'Packages' || f === 'Packages.gz' || f.startsWith('.');
      try {
        if (isIndex) throw Object.assign(new Error('copy'), { code: 'EXDEV' });
        await link(src, dst);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'EXDEV' && code !== 'EPERM') throw publishError(`cannot link ${src} to ${dst}`, e);
        await copyFile(src, dst);
      }
      // quickpkg-made binpkgs may be 0600; clients need to read them (docs/internals/gentoo.md#pkgdir).
      const st = await stat(dst);
      if ((st.mode & 0o444) !== 0o444) await chmod(dst, st.mode | 0o444);
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
      throw new BinfarmError(
        'E_PUBLISH',
        `rsync to ${dest} failed (exit ${r.exitCode ?? 'none'}): ${String(r.stderr).trim().split('\n').slice(-3).join(' | ')}`,
        {
          hint:
            (r as { code?: string }).code === 'ENOENT'
              ? 'Install rsync.'
              : this.host
                ? `Check \`ssh ${this.host}\` works without a prompt and rsync is installed there.`
                : 'Check the target directory is writable.',
        },
      );
    }
  }
}

function publishError(message: string, cause: unknown): BinfarmError {
  return new BinfarmError('E_PUBLISH', `${message}: ${(cause as Error).message}`, { cause });
}
