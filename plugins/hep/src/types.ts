import type { PackageSets, SmokeTest } from 'binfarm';
import type { HepOptions } from './options.ts';
import type { LayerName, Variant } from './layer-names.ts';

// Layer and variant names live in their own module, which options.ts imports too (no import cycle).
export { LAYER_NAMES, VARIANTS, type LayerName, type Variant } from './layer-names.ts';

/** Where the subject's build context (context.01.d) lands in the container and its image. */
export const CONTEXT_MOUNT = '/var/lib/binfarm/context';

/** Everything a layer's package list and smoke tests may depend on. */
export interface LayerContext {
  readonly layer: LayerName;
  /** The variant this layer is built in (per-layer choice, or the global one when supported). */
  readonly variant: Variant;
  readonly graphics: boolean;
  /** The variant of every selected layer (a layer may depend on its parent's, e.g. delphes on ROOT's opengl). */
  readonly variantOf: (layer: LayerName) => Variant;
  readonly options: HepOptions;
  /** `python3.13` for `python3_13`: the interpreter every Python module is built for. */
  readonly python: string;
  /** Path of a file of the build context inside the image, e.g. `ctx.contextPath('smoke/hello.C')`. */
  readonly contextPath: (rel: string) => string;
}

export interface LayerDefinition {
  readonly name: LayerName;
  /** The parent subject: another layer, or `base` (the factory image). */
  readonly parent: LayerName | 'base';
  readonly description: string;
  /** Variants this layer has; the first is used when the global variant is not among them. */
  readonly variants: readonly Variant[];
  /** Why a variant is missing, for the error when a user asks for it explicitly. */
  readonly variantNote?: string;
  /**
   * PYTHON_SINGLE_TARGET values every Python-using package of this layer accepts, and the
   * packages that limit the range (docs/internals/hep-layers.md#shared-settings).
   */
  readonly python?: { readonly targets: readonly string[]; readonly limitedBy: string };
  /** Built only when the group asks for it (default `layers` leaves it out unless it can be built). */
  readonly available?: (ctx: LayerContext) => boolean;
  readonly packageSets: (ctx: LayerContext) => PackageSets;
  readonly smoke: (ctx: LayerContext) => SmokeTest[];
}

/** Identity helper for typing a layer module (the unjs `define*` pattern). */
export function defineLayer(layer: LayerDefinition): LayerDefinition {
  return layer;
}

/** USE flags for the variant: `common`, then `graphics` flags on or off. */
export function variantUse(ctx: LayerContext, common: string[], graphicsFlags: string[]): string[] {
  return [...common, ...graphicsFlags.map((f) => (ctx.graphics ? f : `-${f}`))];
}

/** `~amd64`: almost the whole HEP physics stack is testing-only in ::gentoo (docs/internals/hep-layers.md#keywords). */
export const TESTING = ['~amd64'];
