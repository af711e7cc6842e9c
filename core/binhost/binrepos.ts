/** The binrepos.conf section a client needs for `syncUri` (docs/internals/gentoo.md#binrepos-conf). */
export function binreposSnippet(syncUri: string, name = 'binfarm'): string {
  return `[${name}]\npriority = 100\nsync-uri = ${syncUri.replace(/\/+$/, '')}\nverify-signature = false\n`;
}
