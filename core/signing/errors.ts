import { BinfarmError, isBinfarmError } from '../errors.ts';

/** Prefixes a keyring error with the config key that named the key (`binhost.signing.key: …`). */
export async function withSigningContext<T>(where: string, p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (!isBinfarmError(e)) throw e;
    throw new BinfarmError(e.code, `config ${where}: ${e.message}`, {
      cause: e,
      ...(e.hint ? { hint: e.hint } : {}),
      ...(e.details ? { details: e.details } : {}),
    });
  }
}
