/** The streaming decompressor for a tarball name (argv prefix; the file path is appended). */
export function decompressCommand(name: string): string[] | undefined {
  if (/\.(tar\.xz|txz)$/.test(name)) return ['xz', '-dc', '-T0'];
  if (/\.(tar\.zst|tzst)$/.test(name)) return ['zstd', '-dc', '-q'];
  if (/\.(tar\.bz2|tbz2?)$/.test(name)) return ['bzip2', '-dc'];
  if (/\.(tar\.gz|tgz)$/.test(name)) return ['gzip', '-dc'];
  return undefined;
}
