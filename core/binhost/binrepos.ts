/**
 * The binrepos.conf section a client needs for `syncUri` (docs/internals/gentoo.md#binrepos-conf).
 * Verification is on when the farm signs its binpkgs (docs/security.md), off otherwise: Portage would refuse unsigned ones.
 */
export function binreposSnippet(syncUri: string, name = 'binfarm', verifySignature = false): string {
  return `[${name}]\npriority = 100\nsync-uri = ${syncUri.replace(/\/+$/, '')}\nverify-signature = ${verifySignature}\n`;
}
