/** The configured binhost publish targets (`binhost.publish`), ready to use. */
import { resolve } from 'node:path';
import type { BinfarmOptions } from '../config/schema/index.ts';
import type { PublishTarget } from './generations.ts';
import { LocalFs, SshFs } from './target-fs.ts';
import { CloneOrCopy, parseRsyncTarget, RsyncTransfer } from './transfers.ts';

export interface NamedTarget extends PublishTarget {
  /** `dir:/srv/binhost`, `rsync:user@host:/srv/binhost` (state files, messages). */
  name: string;
  type: 'dir' | 'rsync';
}

export function publishTargets(options: BinfarmOptions, rootDir: string): NamedTarget[] {
  return options.binhost.publish.map((t): NamedTarget => {
    if (t.type === 'dir') {
      const root = resolve(rootDir, t.path);
      return { name: `dir:${root}`, type: 'dir', fs: new LocalFs(root), root, transfer: new CloneOrCopy() };
    }
    const { host, path } = parseRsyncTarget(t.target);
    if (host)
      return {
        name: `rsync:${t.target}`,
        type: 'rsync',
        fs: new SshFs(host, t.sshArgs, `${host}:${path}`),
        root: path,
        transfer: new RsyncTransfer(host, t.sshArgs),
      };
    const root = resolve(rootDir, path);
    return { name: `rsync:${root}`, type: 'rsync', fs: new LocalFs(root), root, transfer: new RsyncTransfer(undefined, []) };
  });
}
