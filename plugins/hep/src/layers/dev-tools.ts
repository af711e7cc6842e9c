import { definePackageSets } from 'binfarm';
import { NO_TMPFS } from '../env-files.ts';
import { defineLayer, TESTING } from '../types.ts';

/**
 * Ldev dev-tools: compilers, debuggers and build tools, kept out of the runtime images and
 * stacked on base (or, with `devToolsParent`, on any HEP layer as its "devel" image). Current
 * atom names: dev-build/*, dev-debug/*, app-text/doxygen, llvm-core/* (docs/internals/hep-layers.md#dev-tools, #renamed-atoms).
 */
export const devTools = defineLayer({
  name: 'dev-tools',
  parent: 'base',
  description: 'development tools: cmake, ninja, gdb, valgrind, strace, clang/llvm, doxygen, ccache, cppcheck, test frameworks',
  variants: ['headless', 'graphics'],
  packageSets: (ctx) =>
    definePackageSets({
      'dev-tools': {
        'dev-build/cmake': {},
        'dev-build/ninja': {},
        'dev-debug/gdb': {},
        'dev-debug/valgrind': {},
        'dev-debug/strace': {},
        'dev-util/ccache': {},
        'dev-util/cppcheck': {},
        'dev-util/gcovr': { accept_keywords: TESTING },
        'dev-lang/swig:0': {},
        'net-analyzer/nmap': {},
        // `gui` (Qt6) replaces qt5, `doc` replaces latex
        'app-text/doxygen': { use: ['dot', 'clang', 'doxysearch', ctx.graphics ? 'gui' : '-gui'] },
      },
      'dev-tools-llvm': {
        // hours of compile: on-disk build directory
        'llvm-core/clang': { env: [NO_TMPFS] },
        'llvm-core/llvm': { env: [NO_TMPFS] },
      },
      'dev-tools-libs': {
        'dev-libs/capnproto': { use: ['ssl', 'zlib'], accept_keywords: TESTING },
        'dev-libs/protobuf': {},
        'dev-libs/jemalloc': {},
        'dev-libs/log4cpp': {},
        'dev-cpp/gtest': {},
        'dev-cpp/catch': {},
        'dev-cpp/ctemplate': {},
      },
    }),
  smoke: () => [
    { name: 'cmake', cmd: ['cmake', '--version'], expect: /cmake version/ },
    { name: 'ninja', cmd: ['ninja', '--version'], expect: /^1\./ },
    { name: 'gdb', cmd: ['gdb', '--version'], expect: /GNU gdb/ },
    { name: 'clang', cmd: ['clang', '--version'], expect: /clang version/ },
    { name: 'valgrind', cmd: ['valgrind', '--version'], expect: /valgrind-/ },
    { name: 'doxygen', cmd: ['doxygen', '--version'], expect: /^1\./ },
  ],
});
