/**
 * Which progress display a run gets:
 *
 * - `json`: `--json`, one event per line on stdout (for tools).
 * - `silent`: `--quiet`; errors still reach stderr.
 * - `default`: listr2's live task tree, when stdout is a terminal and not in CI.
 * - `simple`: one line per state change (stdout not a TTY, `CI` set, or TERM=dumb); phase
 *   titles and warnings, not every build output line (those are in the run's log files).
 * - `verbose`: like simple plus every output line (`--verbose`).
 *
 * An explicit `--renderer` wins over everything but `--json`.
 */
export type RendererName = 'default' | 'simple' | 'verbose' | 'silent' | 'json';
export const RENDERERS: readonly RendererName[] = ['default', 'simple', 'verbose', 'silent', 'json'];

export interface RendererInputs {
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  explicit?: RendererName | undefined;
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
}

export function selectRenderer(i: RendererInputs): RendererName {
  if (i.json) return 'json';
  if (i.explicit) return i.explicit;
  if (i.quiet) return 'silent';
  if (i.verbose) return 'verbose';
  if (!i.isTTY || isCI(i.env) || i.env.TERM === 'dumb') return 'simple';
  return 'default';
}

/** CI=true/1/anything but false/0, or the markers common CI systems set. */
export function isCI(env: NodeJS.ProcessEnv): boolean {
  const ci = env.CI;
  if (ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0') return true;
  return Boolean(env.GITHUB_ACTIONS || env.GITLAB_CI || env.BUILDKITE || env.JENKINS_URL || env.TF_BUILD);
}
