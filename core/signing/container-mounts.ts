import type { MountSpec } from '../engine/types.ts';
import { PORTAGE_GNUPG } from './client-setup.ts';
import { resolveSigning, type SigningConfig } from './config.ts';
import { preparePortageKeyring } from './portage-keyring.ts';

/** With signing on, the farm's public keys as Portage's verification keyring, read-only (portage-keyring.ts). */
export async function signingMounts(cfg: SigningConfig | undefined, rootDir: string, stateDir: string): Promise<MountSpec[]> {
  if (!cfg) return [];
  const signing = await resolveSigning(cfg, rootDir, { secret: false });
  return [{ type: 'bind', source: await preparePortageKeyring(stateDir, signing), target: PORTAGE_GNUPG, readOnly: true }];
}
