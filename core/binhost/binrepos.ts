/** The binrepos.conf section a client needs for `syncUri` (gentoo-facts §6.6). */
export function binreposSnippet(syncUri: string, name = 'binfarm'): string {
  return `[${name}]\npriority = 100\nsync-uri = ${syncUri.replace(/\/+$/, '')}\nverify-signature = false\n`;
}
