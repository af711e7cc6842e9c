/**
 * Per-job bearer tokens for the job endpoint (job-endpoint.ts): 32 random bytes as hex, one per
 * registered job, compared in constant time so a client cannot learn a token byte by byte from
 * response times.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

export function newJobToken(): string {
  return randomBytes(32).toString('hex');
}

/** The token of an `Authorization: Bearer <token>` header, or undefined when there is none. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer +([^\s]+) *$/i.exec(header ?? '');
  return m?.[1];
}

/** Constant-time comparison (the length of a token is public: always 64 hex digits). */
export function tokenMatches(presented: string, expected: string): boolean {
  const a = Buffer.from(presented, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
