import { BinfarmError } from '../../errors.ts';

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** `16g` → bytes (binary units, as Docker reads `--memory`). */
export function memoryBytes(size: string): number {
  const m = /^(\d+(?:\.\d+)?)([kmgt]?)$/i.exec(size.trim());
  if (!m) throw new BinfarmError('E_CONFIG_INVALID', `resources.memory "${size}" is not a size`, { hint: 'Write e.g. "16g", "512m" or a number of bytes.' });
  return Math.round(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!);
}
