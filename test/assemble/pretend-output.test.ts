/**
 * The pretend parser on text in real Portage's formats: the merge list of `emerge -pv`
 * (docs/internals/gentoo.md#pretend-output) and the resolver's refusals as depgraph._show_unsatisfied_dep prints them
 * (the two refusal samples are verbatim from published Chromium OS build logs).
 */
import test from 'ava';
import { parsePretendOutput, rootArgument } from '../../core/assemble/pretend-output.ts';

test('the merge list: binary lines with build ids, repositories, USE, reinstalls, ROOT; the total', (t) => {
  const r = parsePretendOutput(`
These are the packages that would be merged, in order:

Calculating dependencies... done!
Dependency resolution took 1.21 s (backtrack: 0/20).

[binary  N     ] sys-libs/zlib-1.3.1-r1-2::gentoo  USE="minizip -static-libs -verify-sig" ABI_X86="(64) -32 (-x32)" 120 KiB
[binary   R    ] app-misc/jq-1.7.1-r1-1::gentoo  USE="oniguruma -static-libs -test" 412 KiB to /assemble-root/
[binary  N     ] sci-physics/root-6.36.00-3:0/6.36.00::gentoo  USE="python" 96,512 KiB
[ebuild  N     ] app-misc/hello-2.12.2::gentoo  USE="nls" 1,050 KiB
[nomerge       ] virtual/libc-1-r1::gentoo

Total: 4 packages (3 new, 1 reinstall, 3 binaries), Size of downloads: 1,050 KiB
`);
  t.deepEqual(r.merges, [
    { type: 'binary', attrs: 'N', cpv: 'sys-libs/zlib-1.3.1-r1', buildId: '2', repo: 'gentoo' },
    { type: 'binary', attrs: 'R', cpv: 'app-misc/jq-1.7.1-r1', buildId: '1', repo: 'gentoo', root: '/assemble-root/' },
    { type: 'binary', attrs: 'N', cpv: 'sci-physics/root-6.36.00', buildId: '3', slot: '0/6.36.00', repo: 'gentoo' },
    { type: 'ebuild', attrs: 'N', cpv: 'app-misc/hello-2.12.2', repo: 'gentoo' },
    { type: 'nomerge', attrs: '', cpv: 'virtual/libc-1-r1', repo: 'gentoo' },
  ]);
  t.is(r.total, 'Total: 4 packages (3 new, 1 reinstall, 3 binaries), Size of downloads: 1,050 KiB');
  t.deepEqual(r.unsatisfied, []);
});

test('a missing argument, ROOT /: the atom is its own argument', (t) => {
  const r = parsePretendOutput(
    'Calculating dependencies... done!\n\nemerge: there are no binary packages to satisfy "dev-util/ccache".\n\nemerge: searching for similar names... nothing similar found.\n',
  );
  t.deepEqual(r.unsatisfied, [{ atom: 'dev-util/ccache', what: 'binary packages', requiredBy: [] }]);
  t.is(rootArgument(r.unsatisfied[0]!), 'dev-util/ccache');
});

test('a missing dependency for another ROOT, with its chain back to the argument', (t) => {
  const r = parsePretendOutput(`Calculating dependencies... done!

emerge: there are no binary packages to satisfy "chromeos-base/chromeos-chrome" for /mnt/host/source/src/build/images/amd64-generic/R96/rootfs/.
(dependency required by "chromeos-base/chromeos-lacros-96.0.4658.2-r1::chromiumos" [binary])
(dependency required by "virtual/target-chromium-os-1-r185::chromiumos" [binary])
(dependency required by "virtual/target-os-1-r5::chromiumos" [binary])
(dependency required by "virtual/target-os" [argument])
`);
  t.is(r.unsatisfied.length, 1);
  const u = r.unsatisfied[0]!;
  t.is(u.atom, 'chromeos-base/chromeos-chrome');
  t.is(u.root, '/mnt/host/source/src/build/images/amd64-generic/R96/rootfs/');
  t.deepEqual(u.requiredBy.map((q) => q.kind), ['binary', 'binary', 'binary', 'argument']);
  t.is(u.requiredBy[0]!.by, 'chromeos-base/chromeos-lacros-96.0.4658.2-r1::chromiumos');
  t.is(rootArgument(u), 'virtual/target-os');
});

test('a blank line between the refusal and its chain; !!! lines and colour codes', (t) => {
  const r = parsePretendOutput(`!!! Problem resolving dependencies for /usr/local/tmp/packages/x11-apps/igt-gpu-tools-99.1.25.tbz2
\x1b[32memerge: there are no binary packages to satisfy "dev-libs/json-c" for /usr/local/.\x1b[0m

(dependency required by "x11-apps/igt-gpu-tools-99.1.25::chromeos" [binary])
(dependency required by "/usr/local/tmp/packages/x11-apps/igt-gpu-tools-99.1.25.tbz2" [argument])
`);
  t.deepEqual(r.problems, ['!!! Problem resolving dependencies for /usr/local/tmp/packages/x11-apps/igt-gpu-tools-99.1.25.tbz2']);
  t.is(r.unsatisfied[0]!.atom, 'dev-libs/json-c');
  t.is(r.unsatisfied[0]!.requiredBy.length, 2);
});

test('a set argument is where the chain ends when no argument line follows', (t) => {
  const r = parsePretendOutput(
    'emerge: there are no binary packages to satisfy ">=dev-libs/mylib-1.2:0=".\n(dependency required by "app-misc/viewer-2.1::gentoo" [binary])\n(dependency required by "@science" [set])\n',
  );
  t.is(r.unsatisfied[0]!.atom, '>=dev-libs/mylib-1.2:0=');
  t.is(rootArgument(r.unsatisfied[0]!), '@science');
});

test('masked packages and other refusals are problems, not missing packages', (t) => {
  const r = parsePretendOutput(
    '!!! All ebuilds that could satisfy "sci-physics/geant4" have been masked.\n!!! One of the following masked packages is required to complete your request:\n- sci-physics/geant4-11.3.2::gentoo (masked by: ~amd64 keyword)\n',
  );
  t.is(r.unsatisfied.length, 0);
  t.is(r.problems.length, 2);
  t.regex(r.problems[0]!, /have been masked/);
});
