/** Helpers of the HEP tests: a real Farm from a validated config, rooted at the repository. */
import { fileURLToPath } from 'node:url';
import { ConfigSchema } from '../../core/config/schema/index.ts';
import { createFarm, type Farm } from '../../core/farm.ts';
import { renderSubject } from '../../core/portage/render-subject.ts';
import { rootCause } from '../../core/errors.ts';

/** The repository root: the config's directory, so root.01.d and context.01.d resolve. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function farmWith(config: Record<string, unknown>): Farm {
  return createFarm({ options: ConfigSchema.parse(config), rootDir: REPO_ROOT, command: 'plan' });
}

/** Rendered /etc/portage files of one subject (after every hook). */
export async function rendered(farm: Farm, subject: string): Promise<Map<string, string>> {
  return (await renderSubject(farm, subject)).files;
}

/** Lines of every rendered file under a directory (package.use/, package.env/ ...), comments dropped. */
export function linesUnder(files: Map<string, string>, dir: string): string[] {
  return [...files]
    .filter(([path]) => path.startsWith(`${dir}/`))
    .flatMap(([, content]) => content.split('\n'))
    .filter((l) => l.trim() && !l.startsWith('#'));
}

/** Runs `fn` and returns the innermost binfarm error it throws (a PluginError wraps the reason). */
export async function innerError(fn: () => unknown): Promise<Error & { code?: string; hint?: string }> {
  try {
    await fn();
  } catch (e) {
    return rootCause(e) as Error & { code?: string; hint?: string };
  }
  throw new Error('expected an error, got none');
}
