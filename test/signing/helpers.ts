/** An unsigned GPKG made like the fixture emerge makes one (test/fixtures/emerge/emerge): tar of <b>/gpkg-1, metadata.tar, image.tar, Manifest. */
import { execa } from 'execa';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { formatManifest, memberHasher } from '../../core/signing/gpkg-manifest.ts';
import { readFile } from 'node:fs/promises';

export async function makeUnsignedGpkg(dest: string, base = 'hello-1.0-1', payload = 'hello world\n'): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'bf-gpkg-'));
  try {
    const g = join(work, 'gpkg', base);
    await mkdir(join(work, 'meta', 'metadata'), { recursive: true });
    await mkdir(join(work, 'image', 'usr', 'share'), { recursive: true });
    await mkdir(g, { recursive: true });
    await writeFile(join(work, 'meta', 'metadata', 'CATEGORY'), 'app-misc\n');
    await writeFile(join(work, 'meta', 'metadata', 'PF'), `${base.replace(/-\d+$/, '')}\n`);
    await writeFile(join(work, 'image', 'usr', 'share', 'hello.txt'), payload);
    await writeFile(join(g, 'gpkg-1'), '');
    await execa('tar', ['-cf', join(g, 'metadata.tar'), 'metadata'], { cwd: join(work, 'meta') });
    await execa('tar', ['-cf', join(g, 'image.tar'), 'image'], { cwd: work });
    const entries = [];
    for (const m of ['metadata.tar', 'image.tar']) {
      const h = memberHasher(m);
      h.update(await readFile(join(g, m)));
      entries.push(h.entry());
    }
    await writeFile(join(g, 'Manifest'), formatManifest(entries));
    await mkdir(dirname(dest), { recursive: true });
    await execa('tar', ['-cf', dest, `${base}/gpkg-1`, `${base}/metadata.tar`, `${base}/image.tar`, `${base}/Manifest`], { cwd: join(work, 'gpkg') });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
