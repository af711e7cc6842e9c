/** Configs shared by the golden, render-to-dir and benchmark code. */
import type { BinfarmConfigInput } from '../../core/config/schema/index.ts';

/** One config that exercises every kind of file the renderer writes. */
export const FULL: BinfarmConfigInput = {
  overlays: [{ name: 'science', source: { type: 'dir', path: 'science-overlay' }, priority: 10, masters: ['gentoo'] }],
  base: {
    overlays: ['root.00.d'],
    sets: {
      'hf-base': {
        'app-editors/vim': { use: ['-minimal', 'python'] },
        'app-admin/sudo': {},
        'app-eselect/eselect-repository': {},
      },
    },
  },
  portage: {
    makeopts: '-j4 -l4',
    emergeDefaultOpts: ['--jobs=2', '--with-bdeps=y'],
    features: ['fail-clean', 'split-log'],
    use: ['-X', 'zstd'],
    acceptKeywords: ['amd64'],
    binhost: ['http://127.0.0.1:8080/binhost'],
    binrepos: { local: { syncUri: 'file:///srv/binhost', priority: 10, location: '/var/cache/binhost/local', verifySignature: false } },
    provided: ['sys-kernel/gentoo-sources-6.12.0'],
    files: { 'env/big.conf': 'MAKEOPTS="-j2"\n' },
    profileContent: { packages: ['*app-admin/sudo'], packageUse: { 'dev-lang/python': ['-tk'] }, makeDefaults: { USE: 'zstd' } },
  },
  subjects: {
    'hep-core': {
      sets: {
        'hf-sci-soft': {
          'sci-physics/geant': {
            use: ['gdml', 'threads', '-hdf5'],
            accept_keywords: ['~amd64'],
            license: ['geant4'],
            env: ['big.conf'],
            patches: { '0001-fix-cmake.patch': '--- a/CMakeLists.txt\n+++ b/CMakeLists.txt\n@@ -1 +1 @@\n-old\n+new\n' },
            deps: {
              'sci-physics/geant-data': { accept_keywords: [], license: ['geant4'] },
              '>=sci-physics/clhep-2.4.7.1': { use: ['threads'], deps: { 'dev-libs/boost': { use: ['context'] } } },
            },
          },
          '=sci-physics/root-6.36.0': {
            license: ['MSttfEULA', 'freedist'],
            env: ['no-tmpfs.conf'],
            patches: { '0001-root.patch': 'diff\n' },
          },
          'app-misc/hello': { mask: true },
          'app-text/tree': { unmask: true },
        },
      },
      portage: {
        makeConf: { COMMON_FLAGS: '-O3 -pipe -march=x86-64 -mtune=generic', PYTHON_SINGLE_TARGET: '-* python3_13' },
        files: { 'package.use/zz-local': '*/* PYTHON_TARGETS: -* python3_13\n' },
      },
    },
    'hep-root': {
      parent: 'hep-core',
      overlays: ['root.01.d'],
      sets: { 'hf-root': { 'sci-physics/root': { use: ['-pythia8', 'xrootd'] } } },
      portage: { makeConf: { USE: '-gtk' } },
    },
  },
};

export const DBG_DIR: BinfarmConfigInput = {
  portage: {
    buildType: 'dbg',
    dbgScope: 'per-package',
    makeConfLayout: 'dir',
    customProfile: false,
    grantPtrace: true,
    binpkgFormat: 'xpak',
    binpkgCompress: 'xz',
  },
  subjects: {
    'hep-core': {
      sets: {
        'hf-sci-soft': {
          'sci-physics/geant': { env: ['debugsyms.conf', 'installsources.conf'] },
          'sci-libs/armadillo': { use: ['lapack'] },
        },
      },
      portage: { makeConf: { MAKEOPTS: '-j2' } },
    },
  },
};
