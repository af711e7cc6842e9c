/**
 * The repository's farm applied to a real container: the base and hep-root subjects of
 * binfarm.config.ts go through the real applyPatches phase (render, strategies, Engine API)
 * into a stage3-like fixture container (busybox; it holds no Portage), and the result is read
 * back from the container.
 */
import test from 'ava';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stage3FixtureImage } from '../fixtures/images.ts';
import { dockerForTests } from '../helpers/docker.ts';
import { DockerContainer } from '../../core/engine/container.ts';
import type { ContainerHandle } from '../../core/engine/types.ts';
import { createLogger } from '../../core/log/logger.ts';
import { loadConfig } from '../../core/config/load.ts';
import { createFarm, type Farm } from '../../core/farm.ts';
import { applyPatchesToBuild } from '../../core/portage/apply/phase.ts';
import type { SubjectBuild } from '../../core/run/context.ts';
import { NO_TMPFS_CONF } from '@binfarm/plugin-hep';
import { REPO_ROOT } from './_farm.ts';

const IDLE = ['/bin/sh', '-c', 'trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done'];

async function fixtureContainer(t: import('ava').ExecutionContext): Promise<ContainerHandle> {
  const docker = await dockerForTests();
  const image = await stage3FixtureImage({ docker });
  const c = await docker.createContainer({
    Image: image,
    Cmd: IDLE,
    Labels: { 'binfarm.owned': '1', 'binfarm.test': 'hep-apply' },
    HostConfig: { NetworkMode: 'none' },
  });
  t.teardown(() => c.remove({ force: true }).catch(() => undefined));
  await c.start();
  return new DockerContainer(docker, c, 'local', () => {});
}

function buildFor(farm: Farm, subject: string, log: string[]): SubjectBuild {
  return {
    run: { options: farm.options, rootDir: farm.rootDir } as SubjectBuild['run'],
    subject: farm.subject(subject),
    parent: undefined,
    logger: createLogger(subject, (_o, type, args) => log.push(`${type}: ${args.map(String).join(' ')}`)),
    progress: { output: () => {}, title: () => {} },
    logFile: '/dev/null',
    phases: [],
    data: new Map(),
  } as SubjectBuild;
}

const sh = async (c: ContainerHandle, script: string) => {
  const r = await c.exec(['/bin/sh', '-c', script]);
  if (r.exitCode !== 0) throw new Error(`${script}: exit ${r.exitCode}: ${r.stderr}`);
  return r.stdout;
};

test.serial('base then hep-root of binfarm.config.ts, applied to a real container', async (t) => {
  const loaded = await loadConfig({ cwd: REPO_ROOT, command: 'run', env: {} });
  const farm = createFarm({ options: loaded.options, rootDir: loaded.rootDir, configFile: loaded.configFile, command: 'run' });
  const c = await fixtureContainer(t);
  const log: string[] = [];
  // the base layer's image, then hep-root's (hep-core's /etc/portage is part of hep-root's)
  await applyPatchesToBuild(farm, buildFor(farm, 'base', log), { container: c });
  t.is(await sh(c, 'cat /etc/portage/env/no-tmpfs.conf'), NO_TMPFS_CONF, 'root.00.d is copied');
  t.regex(await sh(c, 'cat /etc/binfarm/README'), /built by binfarm/);
  t.regex(await sh(c, 'cat /etc/portage/sets/hf-base'), /app-eselect\/eselect-repository/);
  await applyPatchesToBuild(farm, buildFor(farm, 'hep-root', log), { container: c });

  const use = await sh(c, 'cat /etc/portage/package.use/52-hep-root');
  t.regex(use, /^sci-physics\/root:6 fftw gdml .* -pythia8 -X -opengl -qt6$/m);
  t.regex(await sh(c, 'cat /etc/portage/package.use/51-hep-core'), /^sci-physics\/clhep threads$/m);
  t.is(await sh(c, 'grep -v "^#" /etc/portage/package.license/52-hep-root'), 'sci-physics/root:6 MSttfEULA freedist\n');
  t.is(await sh(c, 'grep -v "^#" /etc/portage/package.env/52-hep-root'), 'dev-qt/qtwebengine:6 no-tmpfs.conf\nsci-physics/root:6 no-tmpfs.conf\n');
  t.is(await sh(c, 'grep -v "^#" /etc/portage/sets/hep-root'), 'sci-physics/root:6\n');
  const makeConf = await sh(c, 'cat /etc/portage/make.conf');
  // merged into the stage3's make.conf (the merge strategy may keep the incremental self-reference)
  t.regex(makeConf, /^PYTHON_SINGLE_TARGET="(\$\{PYTHON_SINGLE_TARGET\} )?-\* python3_13"$/m);
  t.regex(makeConf, /^PYTHON_TARGETS="(\$\{PYTHON_TARGETS\} )?-\* python3_13"$/m);

  // no-tmpfs.conf names a directory that exists in the image (Portage refuses to build otherwise)
  t.is(await sh(c, '. /etc/portage/env/no-tmpfs.conf && test -d "$PORTAGE_TMPDIR" && echo "$PORTAGE_TMPDIR"'), '/var/tmp/portage-ondisk\n');

  // root.01.d and the build context of the HEP layers
  t.is(await sh(c, 'cat /etc/profile.d/hep.sh'), await readFile(join(REPO_ROOT, 'root.01.d/etc/profile.d/hep.sh'), 'utf8'));
  t.is(await sh(c, 'cat /var/lib/binfarm/context/smoke/hello.C'), await readFile(join(REPO_ROOT, 'context.01.d/smoke/hello.C'), 'utf8'));
  t.is(await sh(c, 'stat -c %a /var/lib/binfarm/context/smoke/geant4-check.sh'), '755\n', 'modes are kept');
  t.regex(await sh(c, 'ls /var/lib/binfarm/context/smoke'), /analysis_check\.py\ngeant4-check\.sh\nhello\.C\npythia-check\.sh\npythia-hello\.cc\nvmc_check\.C/);
  // a login shell in the image sources hep.sh without complaint (no ROOT in the fixture)
  t.is(await sh(c, '. /etc/profile.d/hep.sh; echo "${ROOTSYS:-unset}"'), 'unset\n');
  t.true(log.some((l) => l.includes('overlay context.01.d: /var/lib/binfarm/context/smoke/hello.C')), log.join('\n'));
});
