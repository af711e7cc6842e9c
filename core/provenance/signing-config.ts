/**
 * `binhost.signing: { key, gpgHome?, previousKeys }`, the group's signing key
 * (core/config/schema/signing.ts, docs/security.md). Provenance is signed with `key`.
 */
import type { BinfarmOptions } from '../config/schema/index.ts';

export type SigningConfig = NonNullable<BinfarmOptions['binhost']['signing']>;

export function signingOf(options: Pick<BinfarmOptions, 'binhost'>): SigningConfig | undefined {
  return options.binhost.signing;
}
