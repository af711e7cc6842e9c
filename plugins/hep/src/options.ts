import { z } from 'zod';
import { ATOM_SPEC_KEYS, AtomSpecSchema, BinfarmError, parseAtom, type AtomSpec } from 'binfarm';
import { LAYER_NAMES, VARIANTS, type LayerName, type Variant } from './layer-names.ts';

const isLayer = (name: string): name is LayerName => (LAYER_NAMES as readonly string[]).includes(name);
const layerList = LAYER_NAMES.join(', ');

const LayerNameSchema = z.string().refine(isLayer, { error: (iss) => `unknown layer ${JSON.stringify(iss.input)}; known layers: ${layerList}` });
const VariantSchema = z.enum(VARIANTS, { error: (iss) => `unsupported variant ${JSON.stringify(iss.input)}; variants are ${VARIANTS.join(' and ')}` });

/** One atom's settings in `extraAtoms`: binfarm's own AtomSpec schema, checked here so errors name the option. */
const ExtraAtomSchema = AtomSpecSchema;

/** A record keyed by layer name; unknown keys are reported with the list of layers. */
const byLayer = <T extends z.ZodType>(value: T) =>
  z.record(z.string(), value).superRefine((rec, ctx) => {
    for (const key of Object.keys(rec)) {
      if (!isLayer(key)) ctx.addIssue({ code: 'custom', path: [key], message: `unknown layer ${JSON.stringify(key)}; known layers: ${layerList}` });
    }
  });

export const HepOptionsSchema = z.strictObject({
  /** Layers to build; each pulls in its ancestors. Default: every layer that can be built with the chosen variant. */
  layers: z.array(LayerNameSchema).min(1, 'name at least one layer').optional(),
  /** The variant of every layer that has it (layers without a graphics variant stay headless). */
  variant: VariantSchema.default('headless'),
  /** Per-layer variant, e.g. `{ 'mc-sim': 'graphics' }`; a layer without that variant is an error. */
  variants: byLayer(VariantSchema).default({}),
  /** PYTHON_SINGLE_TARGET (and PYTHON_TARGETS) of every HEP layer. */
  pythonTarget: z.string().regex(/^python3_\d+$/, 'a Python target such as "python3_13"').default('python3_13'),
  /** Build Rivet with its hundreds of analysis plugins (long). */
  rivetAnalyses: z.boolean().default(false),
  /** Build Geant4 with OpenGL (without Qt) in headless layers too; this makes mc-sim-vmc possible headless. */
  geantOpengl: z.boolean().default(false),
  /** Set sci-libs/hdf5 USE=unsupported so hdf5 may have threads with cxx/hl (and Geant4 may use hdf5). */
  hdf5Unsupported: z.boolean().default(false),
  /** Add packages from the ::science overlay (herwig, sherpa, genfit, delphes, scikit-hep); needs an overlay named "science". */
  science: z.boolean().default(false),
  /** Parent of the dev-tools layer: `base` (default) or a HEP layer, for a "devel" image of that layer. */
  devToolsParent: z.union([z.literal('base'), LayerNameSchema]).default('base'),
  /** Extra atoms per layer: merged into the layer's atom of the same cat/pn, else added to set `<layer>-extra`. */
  extraAtoms: byLayer(z.record(z.string(), z.preprocess((v) => v ?? {}, ExtraAtomSchema))).default({}),
  /** Overlay directories of every layer, relative to the config file. */
  overlays: z.array(z.string().min(1)).default(['root.01.d']),
  /** Build context of every layer (smoke macros), relative to the config file. */
  context: z.string().min(1).default('context.01.d'),
});

export type HepOptionsInput = z.input<typeof HepOptionsSchema>;
export interface HepOptions extends Omit<z.output<typeof HepOptionsSchema>, 'layers' | 'variants' | 'extraAtoms' | 'devToolsParent'> {
  layers: LayerName[] | undefined;
  variants: Partial<Record<LayerName, Variant>>;
  extraAtoms: Partial<Record<LayerName, Record<string, AtomSpec>>>;
  devToolsParent: LayerName | 'base';
}

/** Validates `hep(options)`; every problem is listed with the option's path. */
export function parseHepOptions(input: unknown): HepOptions {
  const parsed = HepOptionsSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  hep option "${optionPath(i.path)}": ${issueMessage(i)}`);
    throw new BinfarmError('E_CONFIG_INVALID', `invalid options for the hep plugin:\n${lines.join('\n')}`, {
      hint: `Options are documented in docs/hep.md#options. Layers: ${layerList}; variants: ${VARIANTS.join(', ')}.`,
      details: { issues: parsed.error.issues.map((i) => ({ path: optionPath(i.path), message: issueMessage(i) })) },
    });
  }
  const o = parsed.data as HepOptions;
  for (const [layer, atoms] of Object.entries(o.extraAtoms)) {
    for (const atom of Object.keys(atoms ?? {})) {
      try {
        parseAtom(atom);
      } catch (e) {
        throw new BinfarmError('E_CONFIG_INVALID', `hep option "extraAtoms.${layer}[${JSON.stringify(atom)}]": ${(e as Error).message}`, {
          hint: (e as BinfarmError).hint ?? 'Atoms look like "cat/pn", "cat/pn:slot" or ">=cat/pn-1.2".',
        });
      }
    }
  }
  return o;
}

function optionPath(path: PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '') || '(options)';
}

function issueMessage(i: z.core.$ZodIssue): string {
  if (i.code === 'unrecognized_keys') {
    const keys = i.keys.map((k) => JSON.stringify(k)).join(', ');
    if (i.path.length === 0) return `unknown option${i.keys.length > 1 ? 's' : ''} ${keys}; known options: ${Object.keys(HepOptionsSchema.shape).join(', ')}`;
    return `unknown setting${i.keys.length > 1 ? 's' : ''} ${keys}; an atom takes ${ATOM_SPEC_KEYS.join(', ')}`;
  }
  return i.message;
}
