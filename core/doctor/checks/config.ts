import { displayPath } from '../../config/load-errors.ts';
import { isBinfarmError } from '../../errors.ts';
import { defineCheck } from '../types.ts';

/** The farm's config loads and validates (the other checks fall back to defaults when not). */
export const configCheck = defineCheck({
  id: 'config',
  title: 'config',
  async run(ctx) {
    if (ctx.configFile && !ctx.configError) return { status: 'ok', summary: displayPath(ctx.configFile) };
    const e = ctx.configError;
    if (isBinfarmError(e) && e.code === 'E_CONFIG_NOT_FOUND') {
      return { status: 'warn', summary: 'no binfarm config found; the checks below use the defaults', hint: 'Run `binfarm init` to create one.' };
    }
    const message = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    return { status: 'fail', summary: message, hint: (isBinfarmError(e) && e.hint) || 'Run `binfarm config` for the full message.' };
  },
});
