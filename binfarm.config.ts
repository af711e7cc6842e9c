/**
 * This repository's own farm: the binfarm base image, the smoke subject and the HEP layers.
 *
 *   binfarm run                  builds the default target, `smoke` (minutes; start here)
 *   binfarm run hep-root         ROOT and what it stands on (hours: ROOT builds its own LLVM)
 *   binfarm run analysis mc-sim  several layers; independent ones build in parallel
 *   binfarm plan --explain       what would be built, and which input changed
 *   binfarm run --set portage.buildType=dbg    the debug build (splitdebug, installsources)
 *
 * Offline or pinned sources: point `stage3` at a tarball and `tree` at a snapshot, e.g.
 *   stage3: { type: 'tarball', src: '/srv/gentoo/stage3-amd64-openrc-20260105T170103Z.tar.xz' },
 *   tree:   { type: 'snapshot', src: '/srv/gentoo/gentoo-20260105.tar.xz' },
 * or `stage3: { type: 'local', image: 'my-stage3:latest' }` for a local image. See docs/hep.md.
 */
import { defineConfig } from 'binfarm';
import { hep } from '@binfarm/plugin-hep';
import { smoke } from '@binfarm/plugin-smoke';

export default defineConfig({
  name: 'hep-soft',
  imagePrefix: 'binfarm',

  // the newest amd64 OpenRC stage3 and tree from Docker Hub; pin tags for reproducible farms
  stage3: { type: 'registry', image: 'gentoo/stage3:amd64-openrc' },
  tree: { type: 'image', image: 'gentoo/portage:latest' },

  portage: {
    // opt by default; `--set portage.buildType=dbg` for debug symbols and sources
    buildType: 'opt',
    profile: 'default/linux/amd64/23.0',
  },

  base: {
    // the original spec-binfarm hf-base, updated (docs/hep.md#base): layman is gone from
    // ::gentoo, repositories are managed with eselect-repository + repos.conf
    sets: {
      'hf-base': {
        'app-editors/vim': { use: ['acl', 'vim-pager'] },
        'app-admin/sudo': {},
        'app-portage/gentoolkit': {},
        'app-eselect/eselect-repository': {},
        'app-portage/cpuid2cpuflags': {},
        'sys-fs/squashfs-tools': {},
        'dev-vcs/git': {},
      },
    },
    overlays: ['root.00.d'],
    smoke: [
      { name: 'git', cmd: ['git', '--version'], expect: /^git version 2\./ },
      { name: 'equery', cmd: ['equery', '--version'], expect: /equery/ },
      { name: 'eselect repository', cmd: ['eselect', 'repository', 'list', '-i'] },
    ],
  },

  plugins: [
    smoke(),
    hep({
      // every layer that can be built headless; mc-sim-vmc needs Geant4 with OpenGL:
      // hep({ variants: { 'mc-sim-vmc': 'graphics' } }) or hep({ geantOpengl: true })
      variant: 'headless',
      pythonTarget: 'python3_13',
      overlays: ['root.01.d'],
      context: 'context.01.d',
    }),
  ],

  // `binfarm run` without names builds the smoke subject; name heavier layers explicitly
  targets: ['smoke'],
});
