import { definePackageSets } from 'binfarm';
import { NO_TMPFS } from '../env-files.ts';
import { defineLayer, TESTING, variantUse } from '../types.ts';

/** ROOT's USE flags shared by every variant (docs/internals/hep-layers.md#hep-root); `-pythia8` keeps mc-gen out from under ROOT. */
export const ROOT_USE = [
  'fftw',
  'gdml',
  'gsl',
  'http',
  'minuit',
  'python',
  'roofit',
  'root7',
  'ssl',
  'tbb',
  'tmva',
  'unuran',
  'xml',
  'sqlite',
  'xrootd',
  '-pythia8',
];

/**
 * L2 hep-root: ROOT alone, the biggest compile (its ebuild builds a patched LLVM/Clang), so a
 * change of a ROOT flag rebuilds only this layer and what stands on it.
 */
export const hepRoot = defineLayer({
  name: 'hep-root',
  parent: 'hep-core',
  description: 'ROOT 6 (headless, or with X and OpenGL in the graphics variant) and its remote-file clients',
  variants: ['headless', 'graphics'],
  // ROOT 6.40 accepts python3_12..3_14 (6.38 only up to 3_13)
  python: { targets: ['python3_12', 'python3_13', 'python3_14'], limitedBy: 'sci-physics/root-6.40' },
  packageSets: (ctx) =>
    definePackageSets({
      'hep-root': {
        'sci-physics/root:6': {
          // qt6 stays off: it pulls dev-qt/qtwebengine:6 (Chromium, 11 GiB of build disk)
          use: [...variantUse(ctx, ROOT_USE, ['X', 'opengl']), '-qt6'],
          accept_keywords: TESTING,
          license: ['MSttfEULA', 'freedist'],
          env: [NO_TMPFS],
          deps: {
            // client only here; the serving layer builds the server
            'net-libs/xrootd': { use: ['-server'], accept_keywords: TESTING },
            // only pulled when a group turns root[qt6] on; never give it debugsyms.conf
            'dev-qt/qtwebengine:6': { use: ['widgets'], env: [NO_TMPFS] },
          },
        },
      },
    }),
  smoke: (ctx) => [
    { name: 'root macro', cmd: ['root', '-l', '-b', '-q', ctx.contextPath('smoke/hello.C')], expect: /binfarm-root-ok/, timeout: 600 },
    {
      name: `import ROOT (${ctx.python})`,
      cmd: [ctx.python, '-c', 'import ROOT; print("pyroot-ok", ROOT.gROOT.GetVersion())'],
      expect: /pyroot-ok 6\./,
      timeout: 600,
    },
    { name: 'root-config xml', cmd: ['root-config', '--has-xml'], expect: /^yes/ },
  ],
});
