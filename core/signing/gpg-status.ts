/**
 * Reads gpg's machine-readable status lines (`--status-fd`, doc/DETAILS in GnuPG) into a verdict.
 * The human text on stderr is localised and changes between versions; the status lines do not.
 */

/** How far gpg trusts the key that made a signature (the TRUST_* status line). */
export type KeyValidity = 'ultimate' | 'full' | 'marginal' | 'never' | 'undefined' | 'unknown';

/** What gpg said about one signature. */
export type SignatureState = 'good' | 'bad' | 'expired-signature' | 'expired-key' | 'revoked-key' | 'no-public-key' | 'error';

export interface SignatureReport {
  state: SignatureState;
  /** Fingerprint of the key (or subkey) that made the signature, from VALIDSIG; undefined unless the signature checked out. */
  fingerprint: string | undefined;
  /** Fingerprint of that key's primary key (VALIDSIG's last field): the one to compare against a configured key. */
  primaryFingerprint: string | undefined;
  /** The long key id gpg names in GOODSIG/BADSIG/ERRSIG/NO_PUBKEY, known even when the key is missing. */
  keyId: string | undefined;
  validity: KeyValidity;
  /** Signature creation time (VALIDSIG), seconds since the epoch. */
  created: number | undefined;
}

const TRUST: Record<string, KeyValidity> = {
  TRUST_ULTIMATE: 'ultimate',
  TRUST_FULLY: 'full',
  TRUST_MARGINAL: 'marginal',
  TRUST_NEVER: 'never',
  TRUST_UNDEFINED: 'undefined',
};

const STATE: Record<string, SignatureState> = {
  GOODSIG: 'good',
  BADSIG: 'bad',
  EXPSIG: 'expired-signature',
  EXPKEYSIG: 'expired-key',
  REVKEYSIG: 'revoked-key',
  NO_PUBKEY: 'no-public-key',
  ERRSIG: 'error',
};

/** One report per signature gpg looked at (a NEWSIG line starts each one; older gpg omits it for the first). */
export function parseVerifyStatus(status: string): SignatureReport[] {
  const reports: SignatureReport[] = [];
  let cur: SignatureReport | undefined;
  const fresh = (): SignatureReport => {
    const r: SignatureReport = {
      state: 'error',
      fingerprint: undefined,
      primaryFingerprint: undefined,
      keyId: undefined,
      validity: 'unknown',
      created: undefined,
    };
    reports.push(r);
    return r;
  };
  for (const line of status.split('\n')) {
    const m = /^\[GNUPG:\] (\S+)(?: (.*))?$/.exec(line.trimEnd());
    if (!m) continue;
    const [, kw, rest = ''] = m;
    const f = rest.split(' ');
    if (kw === 'NEWSIG') {
      cur = fresh();
      continue;
    }
    if (kw! in STATE) {
      cur ??= fresh();
      // NO_PUBKEY follows ERRSIG for the same signature and says why: keep the more specific state.
      if (!(kw === 'ERRSIG' && cur.state === 'no-public-key')) cur.state = STATE[kw!]!;
      cur.keyId ??= f[0]?.toUpperCase();
    } else if (kw === 'VALIDSIG') {
      cur ??= fresh();
      cur.fingerprint = f[0]?.toUpperCase();
      cur.created = Number(f[2]) || undefined;
      cur.primaryFingerprint = (f[9] ?? f[0])?.toUpperCase();
    } else if (kw! in TRUST) {
      cur ??= fresh();
      cur.validity = TRUST[kw!]!;
    }
  }
  return reports;
}
