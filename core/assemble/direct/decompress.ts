/**
 * Decompression of a GPKG member by its name's extension (docs/internals/gentoo.md#gpkg): gzip in
 * process (node:zlib), zstd/xz/bzip2/lz4 through their command-line tools, started with an argv
 * array (never a shell) and read as a stream, so a large image.tar is never held compressed.
 */
import { spawn } from 'node:child_process';
import { Duplex, PassThrough, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { BinfarmError } from '../../errors.ts';

/** Extension (without the dot) → the argv that decompresses stdin to stdout. */
const TOOLS: Record<string, string[]> = {
  zst: ['zstd', '-dcq'],
  xz: ['xz', '-dc'],
  bz2: ['bzip2', '-dc'],
  lz4: ['lz4', '-dc'],
};

/** The compression suffix of `image.tar.zst` → `zst`; `''` for a plain `.tar`. */
export function compressionOf(member: string): string {
  const m = /\.tar(?:\.([a-z0-9]+))?$/.exec(member);
  return m?.[1] ?? '';
}

export function decompressor(ext: string, what: string): Duplex {
  if (ext === '') return new PassThrough();
  if (ext === 'gz') return createGunzip();
  const argv = TOOLS[ext];
  if (!argv) {
    throw new BinfarmError('E_ASSEMBLE', `${what}: compression ".${ext}" is not supported by the direct assembly`, {
      hint: 'Use `--via emerge`, or build the binpkgs with BINPKG_COMPRESS=zstd, xz, bzip2, lz4 or gzip.',
    });
  }
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  const errors: Buffer[] = [];
  child.stderr.on('data', (b: Buffer) => errors.push(b));
  const duplex = Duplex.from({ writable: child.stdin, readable: child.stdout });
  child.on('error', (e) =>
    duplex.destroy(
      new BinfarmError('E_ASSEMBLE', `${what}: cannot run ${argv[0]} to decompress (${e.message})`, {
        hint: `Install ${argv[0]} on this machine, or use \`--via emerge\`.`,
      }),
    ),
  );
  child.on('close', (code) => {
    if (code !== 0)
      duplex.destroy(
        new BinfarmError('E_ASSEMBLE', `${what}: ${argv.join(' ')} exited ${code}: ${Buffer.concat(errors).toString('utf8').trim()}`, {
          hint: 'The binpkg is damaged; rebuild it or check it with `emaint binhost --fix`.',
        }),
      );
  });
  return duplex;
}

/** Everything a readable yields, as one buffer. */
export async function drain(r: AsyncIterable<unknown> | Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
