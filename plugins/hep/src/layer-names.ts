/** The HEP layers, in the order of docs/hep.md (parents before children). */
export const LAYER_NAMES = ['hep-core', 'hep-root', 'mc-sim', 'mc-gen', 'mc-sim-vmc', 'analysis', 'serving', 'dev-tools'] as const;
export type LayerName = (typeof LAYER_NAMES)[number];

export const VARIANTS = ['headless', 'graphics'] as const;
/** `headless`: no X, OpenGL or Qt anywhere; `graphics`: adds them where docs/internals/hep-layers.md says. */
export type Variant = (typeof VARIANTS)[number];
