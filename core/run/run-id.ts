import { randomBytes } from 'node:crypto';

/**
 * A run id: `<yyyymmdd-hhmmss>-<4hex>` in local time. Sorts by start time, stays readable in
 * directory listings, and the random suffix keeps two runs in the same second apart.
 */
export function createRunId(now: Date = new Date(), random: () => string = () => randomBytes(2).toString('hex')): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const date = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}`;
  const time = `${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  return `${date}-${time}-${random()}`;
}

export const RUN_ID_PATTERN = /^\d{8}-\d{6}-[0-9a-f]{4}$/;
