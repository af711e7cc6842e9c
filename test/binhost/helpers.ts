/** Binhost partitions on disk for tests: gpkg-named files plus a sound Packages index. */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { serializePackagesIndex } from '../../core/binhost/packages-index.ts';

export const PARTITION = 'amd64/default/linux/amd64/23.0/opt-0a1b2c3d';

/** Writes `<cat>/<pn>/<pf>-<id>.gpkg.tar` files and the index; returns the partition dir. */
export function makePartition(root: string, pkgs: Array<{ cpv: string; id: number; content?: string }>, rel = PARTITION): string {
  const dir = join(root, ...rel.split('/'));
  mkdirSync(dir, { recursive: true });
  const entries = pkgs.map(({ cpv, id, content }) => {
    const [cat, pf] = cpv.split('/') as [string, string];
    const pn = pf.replace(/-\d.*$/, '');
    const path = `${cat}/${pn}/${pf}-${id}.gpkg.tar`;
    const body = Buffer.from(content ?? `gpkg ${cpv} ${id}`);
    mkdirSync(join(dir, cat, pn), { recursive: true });
    // Like Portage, never rewrite an existing binpkg (its mtime is what rsync's quick check sees).
    if (!existsSync(join(dir, path)) || !readFileSync(join(dir, path)).equals(body)) writeFileSync(join(dir, path), body);
    return {
      CPV: cpv,
      BUILD_ID: String(id),
      BUILD_TIME: String(1773000000 + id),
      EAPI: '8',
      PATH: path,
      SIZE: String(body.length),
      MD5: createHash('md5').update(body).digest('hex'),
      SHA1: createHash('sha1').update(body).digest('hex'),
    };
  });
  const text = serializePackagesIndex(
    { header: { ARCH: 'amd64', CHOST: 'x86_64-pc-linux-gnu', VERSION: '0' }, packages: entries },
    { touch: Date.now() / 1000 },
  );
  writeFileSync(join(dir, 'Packages'), text);
  writeFileSync(join(dir, 'Packages.gz'), gzipSync(text));
  return dir;
}
