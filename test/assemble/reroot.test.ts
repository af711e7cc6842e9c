/** Re-rooting the archive of /assemble-root to / for the slim image (tar-stream both ways). */
import test from 'ava';
import { once } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import tarStream from 'tar-stream';
import { rerootTar } from '../../core/assemble/slim-image.ts';

async function tarOf(
  entries: Array<{ name: string; type?: 'file' | 'directory' | 'symlink' | 'link'; linkname?: string; content?: string }>,
): Promise<Readable> {
  const pack = tarStream.pack();
  for (const e of entries) {
    if (e.type === 'file' || (!e.type && e.content !== undefined)) pack.entry({ name: e.name, mode: 0o644 }, e.content ?? '');
    else
      pack.entry({ name: e.name, type: e.type ?? 'directory', ...(e.linkname ? { linkname: e.linkname } : {}), mode: e.type === 'directory' ? 0o755 : 0o777 });
  }
  pack.finalize();
  const out = new PassThrough();
  pack.pipe(out);
  return out;
}

async function read(stream: Readable): Promise<Array<{ name: string; type: string; linkname?: string; content: string }>> {
  const ex = tarStream.extract();
  const out: Array<{ name: string; type: string; linkname?: string; content: string }> = [];
  ex.on('entry', (h, s, next) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: unknown) => void chunks.push(c as Buffer));
    s.on('end', () => {
      out.push({ name: h.name, type: h.type ?? 'file', ...(h.linkname ? { linkname: h.linkname } : {}), content: Buffer.concat(chunks).toString() });
      next();
    });
  });
  stream.pipe(ex);
  await once(ex, 'finish');
  return out;
}

test('entries move from assemble-root/ to /, hard links follow, symlink targets stay', async (t) => {
  const long = `usr/share/doc/${'x'.repeat(120)}/README`;
  const input = await tarOf([
    { name: 'assemble-root/', type: 'directory' },
    { name: 'assemble-root/usr/', type: 'directory' },
    { name: 'assemble-root/usr/bin/', type: 'directory' },
    { name: 'assemble-root/usr/bin/viewer', content: 'ELF' },
    { name: 'assemble-root/usr/bin/view', type: 'symlink', linkname: 'viewer' },
    { name: 'assemble-root/usr/bin/viewer2', type: 'link', linkname: 'assemble-root/usr/bin/viewer' },
    { name: `assemble-root/${long}`, content: 'long' },
  ]);
  const { stream, done } = await rerootTar(input, 'assemble-root');
  const [entries, counted] = await Promise.all([read(stream), done]);
  t.is(counted.entries, 6);
  t.deepEqual(
    entries.map((e) => [e.name, e.type, e.linkname ?? '', e.content]),
    [
      ['usr/', 'directory', '', ''],
      ['usr/bin/', 'directory', '', ''],
      ['usr/bin/viewer', 'file', '', 'ELF'],
      ['usr/bin/view', 'symlink', 'viewer', ''],
      ['usr/bin/viewer2', 'link', 'usr/bin/viewer', ''],
      [long, 'file', '', 'long'],
    ],
  );
});

test('an entry outside the root is an error, not a silently misplaced file', async (t) => {
  const input = await tarOf([{ name: 'assemble-root/', type: 'directory' }, { name: 'etc/passwd', content: 'root:x:0:0' }]);
  const { stream, done } = await rerootTar(input, 'assemble-root');
  stream.resume();
  stream.on('error', () => undefined);
  const err = await t.throwsAsync(done);
  t.regex(err!.message, /holds "etc\/passwd", outside assemble-root\//);
});
