/** `binfarm serve`'s part of signing: the keys document and the client instructions (client-setup.ts). */
import type { SigningConfig } from './config.ts';
import { resolveSigning } from './config.ts';
import { keyImportCommands, KEYS_DOCUMENT, PORTAGE_GNUPG, publicKeysDocument } from './client-setup.ts';

export interface ClientSigning {
  documents: Record<string, { type: string; body: string }>;
  instructions(baseUrl: string): string[];
}

export async function clientSigning(cfg: SigningConfig | undefined, rootDir: string): Promise<ClientSigning | undefined> {
  if (!cfg) return undefined;
  const signing = await resolveSigning(cfg, rootDir, { secret: false });
  const body = await publicKeysDocument(signing);
  return {
    documents: { [KEYS_DOCUMENT]: { type: 'application/pgp-keys', body } },
    instructions: (baseUrl) => [
      '',
      `# binpkgs are signed; the public key${signing.published.length > 1 ? 's are' : ' is'} at ${baseUrl}/${KEYS_DOCUMENT}`,
      `# once per client (and after a key rotation), as root, into Portage's verification keyring ${PORTAGE_GNUPG}:`,
      ...keyImportCommands(`${baseUrl}/${KEYS_DOCUMENT}`, signing),
    ],
  };
}
