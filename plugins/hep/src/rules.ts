import { BinfarmError } from 'binfarm';
import type { UseView } from './use-view.ts';

/**
 * The HEP rules (docs/internals/hep-layers.md#shared-settings) as code. A package rule reads the USE state of one
 * subject (its whole chain); an option rule reads the plugin options. Each has a stable id,
 * a message saying why, and a hint saying what to change.
 */
export interface HepRule {
  readonly id: string;
  /** One line: what the rule demands. */
  readonly summary: string;
  readonly hint: string;
}

export interface PackageRule extends HepRule {
  /** A description of the violation, or undefined when the subject keeps the rule. */
  check(view: UseView): string | undefined;
}

export interface RuleViolation {
  rule: string;
  subject: string;
  message: string;
  hint: string;
}

const GEANT = 'sci-physics/geant';
const HDF5 = 'sci-libs/hdf5';

export const PACKAGE_RULES: readonly PackageRule[] = [
  {
    id: 'geant-hdf5',
    summary: 'sci-physics/geant -hdf5, unless sci-libs/hdf5 USE=unsupported is chosen on purpose',
    hint: 'Keep "-hdf5" on sci-physics/geant, or pass hdf5Unsupported: true to hep() (sets sci-libs/hdf5 "unsupported threads").',
    check: (v) =>
      v.on(GEANT, 'hdf5') && !v.on(HDF5, 'unsupported')
        ? 'sci-physics/geant[hdf5,threads] needs sci-libs/hdf5[threads], which hdf5 forbids together with cxx/hl (needed by yoda, rivet and pythia through highfive) unless hdf5 has USE=unsupported'
        : undefined,
  },
  {
    id: 'hdf5-threads-cxx',
    summary: 'sci-libs/hdf5 threads together with cxx or hl only with USE=unsupported',
    hint: 'Set "-threads" on sci-libs/hdf5, or pass hdf5Unsupported: true to hep().',
    check: (v) =>
      v.on(HDF5, 'threads') && (v.on(HDF5, 'cxx') || v.on(HDF5, 'hl')) && !v.on(HDF5, 'unsupported')
        ? 'sci-libs/hdf5 has threads with cxx/hl, which its REQUIRED_USE forbids without USE=unsupported'
        : undefined,
  },
  {
    id: 'clhep-threads',
    summary: 'sci-physics/clhep threads when sci-physics/geant threads',
    hint: 'Add "threads" to sci-physics/clhep (hep-core does this; check extraAtoms and atom hooks).',
    check: (v) =>
      v.on(GEANT, 'threads') && !v.on('sci-physics/clhep', 'threads')
        ? 'sci-physics/geant[threads] depends on sci-physics/clhep[threads], but clhep is not built with threads'
        : undefined,
  },
  {
    id: 'geant-required-use',
    summary: "sci-physics/geant's REQUIRED_USE: tbb needs threads; qt6, motif, inventor and raytracerx need opengl; vtk needs qt6",
    hint: 'Fix the Geant4 flags (extraAtoms or an atom hook), or use the graphics variant for OpenGL and Qt.',
    check: (v) => {
      const broken: string[] = [];
      if (v.on(GEANT, 'tbb') && !v.on(GEANT, 'threads')) broken.push('tbb without threads');
      for (const f of ['qt6', 'motif', 'inventor', 'raytracerx']) if (v.on(GEANT, f) && !v.on(GEANT, 'opengl')) broken.push(`${f} without opengl`);
      if (v.on(GEANT, 'vtk') && !v.on(GEANT, 'qt6')) broken.push('vtk without qt6');
      return broken.length ? `sci-physics/geant has ${broken.join(', ')}` : undefined;
    },
  },
  {
    id: 'root-required-use',
    summary:
      "sci-physics/root's REQUIRED_USE: opengl and qt6 need X; davix needs ssl and xml; qt6 needs root7 and http; roofit needs minuit; tmva needs gsl and python",
    hint: 'Fix the ROOT flags (extraAtoms or an atom hook); X and opengl come with the graphics variant of hep-root.',
    check: (v) => {
      const root = 'sci-physics/root';
      // flags that are on by default in ROOT's IUSE (+X +gsl +http +minuit +python +root7 +ssl +xml ...) count as on unless turned off
      const on = (f: string) =>
        v.flag(root, f) ?? ['X', 'opengl', 'gdml', 'gsl', 'http', 'minuit', 'python', 'roofit', 'root7', 'ssl', 'tbb', 'tmva', 'unuran', 'xml'].includes(f);
      if (!v.has(root)) return undefined;
      const needs: Array<[string, string[]]> = [
        ['opengl', ['X']],
        ['qt6', ['X', 'root7', 'http']],
        ['davix', ['ssl', 'xml']],
        ['roofit', ['minuit']],
        ['tmva', ['gsl', 'python']],
      ];
      const broken = needs.flatMap(([flag, deps]) => (on(flag) ? deps.filter((d) => !on(d)).map((d) => `${flag} without ${d}`) : []));
      return broken.length ? `sci-physics/root has ${broken.join(', ')}` : undefined;
    },
  },
  {
    id: 'root-no-pythia8',
    summary: 'sci-physics/root -pythia8',
    hint: 'Keep "-pythia8" on sci-physics/root; use Pythia from the mc-gen layer instead of through ROOT.',
    check: (v) =>
      v.on('sci-physics/root', 'pythia8')
        ? 'sci-physics/root[pythia8] has an RDEPEND on sci-physics/pythia:8, which would pull the mc-gen generators under hep-root'
        : undefined,
  },
  {
    id: 'pythia-no-root',
    summary: 'sci-physics/pythia -root',
    hint: 'Keep "-root" on sci-physics/pythia (the flag is only used by its tests).',
    check: (v) => (v.on('sci-physics/pythia', 'root') ? 'sci-physics/pythia[root] would pull ROOT under the mc-gen layer, which needs no ROOT' : undefined),
  },
  {
    id: 'thepeg-no-rivet',
    summary: 'sci-physics/thepeg -rivet',
    hint: 'Keep "-rivet" on sci-physics/thepeg.',
    check: (v) => (v.on('sci-physics/thepeg', 'rivet') ? 'sci-physics/thepeg[rivet] needs rivet <4, which blocks the rivet:4 of mc-gen' : undefined),
  },
  {
    id: 'vmc-geant-opengl',
    summary: 'sci-physics/geant4_vmc needs sci-physics/geant[opengl]',
    hint: "Build mc-sim-vmc in the graphics variant (variants: { 'mc-sim-vmc': 'graphics' }), or pass geantOpengl: true, or leave mc-sim-vmc out of layers.",
    check: (v) =>
      v.has('sci-physics/geant4_vmc') && !v.on(GEANT, 'opengl')
        ? 'sci-physics/geant4_vmc has a hard RDEPEND on sci-physics/geant[opengl], but Geant4 is built without opengl (the headless variant)'
        : undefined,
  },
  {
    id: 'delphes-root-opengl',
    summary: 'sci-physics/delphes needs sci-physics/root[opengl]',
    hint: "Build hep-root in the graphics variant (variants: { 'hep-root': 'graphics' }) to get delphes.",
    check: (v) =>
      v.has('sci-physics/delphes') && !v.on('sci-physics/root', 'opengl')
        ? 'sci-physics/delphes needs sci-physics/root[opengl], but ROOT is built without opengl'
        : undefined,
  },
  {
    id: 'qtwebengine-no-debugsyms',
    summary: 'dev-qt/qtwebengine never gets debugsyms.conf',
    hint: 'Remove debugsyms.conf from dev-qt/qtwebengine; its ebuild rewrites -g2+ anyway and needs ~2 GB RAM per job already.',
    check: (v) =>
      v.env('dev-qt/qtwebengine').includes('debugsyms.conf')
        ? 'dev-qt/qtwebengine with debugsyms.conf: the build would need far more than its 11 GiB of disk and 2 GB of RAM per job'
        : undefined,
  },
];

/** The ids of the option rules (checked in layers-resolve.ts and plugin.ts). */
export const OPTION_RULES: readonly HepRule[] = [
  {
    id: 'python-target',
    summary: 'one PYTHON_SINGLE_TARGET that every package of the chosen layers accepts',
    hint: 'Pick a pythonTarget in the range the message gives (python3_13 is the default).',
  },
  {
    id: 'science-overlay',
    summary: 'science: true needs the ::science overlay in the config',
    hint: "Add it to the config: overlays: [{ name: 'science', source: { type: 'git', path: '/path/to/gentoo-science' } }].",
  },
  {
    id: 'layer-variant',
    summary: 'a layer is built only in a variant it has',
    hint: 'Drop the entry from variants, or choose a variant the layer has.',
  },
];

export function checkPackageRules(view: UseView): RuleViolation[] {
  const out: RuleViolation[] = [];
  for (const rule of PACKAGE_RULES) {
    const message = rule.check(view);
    if (message) out.push({ rule: rule.id, subject: view.subject, message, hint: rule.hint });
  }
  return out;
}

export function optionViolation(id: string, subject: string, message: string): RuleViolation {
  const rule = OPTION_RULES.find((r) => r.id === id);
  return { rule: id, subject, message, hint: rule?.hint ?? '' };
}

/** One E_SUBJECT error for all violations; each line names the rule and the subject. */
export function ruleError(violations: readonly RuleViolation[]): BinfarmError {
  const lines = violations.map((v) => `hep rule "${v.rule}" is broken in subject "${v.subject}": ${v.message}`);
  const hints = [...new Set(violations.map((v) => v.hint).filter(Boolean))];
  const message = lines.length === 1 ? lines[0]! : `${lines.length} hep rules are broken:\n${lines.map((l) => `  - ${l}`).join('\n')}`;
  return new BinfarmError('E_SUBJECT', message, {
    hint: hints.join('\n'),
    details: { rules: violations.map((v) => ({ rule: v.rule, subject: v.subject })) },
  });
}
