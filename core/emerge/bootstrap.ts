/**
 * Bootstrap steps of the base subject (the original hf-base bootstrap.sh, minus what the
 * rendered /etc/portage already does): check the profile resolves to the configured ARCH,
 * and create the build user. The world update and the base sets are ordinary emerges.
 */
import { BinfarmError } from '../errors.ts';
import type { ContainerHandle } from '../engine/types.ts';
import type { SubjectBuild } from '../run/context.ts';

/** exec statuses of a command that does not exist (OCI runtime: 126/127). */
const MISSING = new Set([126, 127]);

/**
 * `portageq envvar ARCH` must print the configured arch: a make.profile pointing at the wrong
 * (or a missing) profile otherwise surfaces much later as masked packages.
 */
export async function checkProfileArch(build: SubjectBuild, c: ContainerHandle): Promise<string | undefined> {
  const r = await c.exec(['portageq', 'envvar', 'ARCH']);
  if (MISSING.has(r.exitCode)) {
    build.logger.debug('portageq is not available; profile check skipped');
    return undefined;
  }
  const arch = r.stdout.trim();
  const want = build.run.options.portage.arch;
  if (r.exitCode !== 0 || arch !== want) {
    throw new BinfarmError(
      'E_EMERGE',
      `the Portage profile of subject "${build.subject.name}" resolves ARCH to "${arch || '(nothing)'}", but portage.arch is "${want}"`,
      {
        hint: `Check portage.profile ("${build.run.options.portage.profile}") exists in the tree for ${want}; \`binfarm render ${build.subject.name} --out DIR\` shows the make.profile link.${r.stderr.trim() ? ` portageq said: ${r.stderr.trim().split('\n')[0]}` : ''}`,
      },
    );
  }
  return arch;
}

/** Creates `user` with a home directory unless it exists. Returns true when it was created. */
export async function ensureBuildUser(build: SubjectBuild, c: ContainerHandle, user: string): Promise<boolean> {
  if (!/^[a-z_][a-z0-9_-]*\$?$/.test(user)) {
    throw new BinfarmError('E_CONFIG_INVALID', `base.user "${user}" is not a valid user name`, {
      hint: 'Use lower-case letters, digits, "_" and "-", starting with a letter.',
    });
  }
  const id = await c.exec(['id', '-u', user]);
  if (id.exitCode === 0) return false;
  const add = await c.exec(['useradd', '-m', user]);
  if (add.exitCode !== 0) {
    throw new BinfarmError(
      'E_EMERGE',
      `could not create the build user "${user}" in subject "${build.subject.name}" (useradd exit ${add.exitCode}): ${(add.stderr || add.stdout).trim()}`,
      {
        hint: MISSING.has(add.exitCode) ? 'The stage3 has no useradd (sys-apps/shadow); add it to the base sets.' : undefined,
      },
    );
  }
  return true;
}
