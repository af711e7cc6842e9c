/**
 * @binfarm/plugin-hep — the HEP subject of binfarm, cut into incremental layers:
 *
 *   base ─ hep-core ─┬─ hep-root ─┬─ analysis
 *        │           │            └─ mc-sim-vmc
 *        │           ├─ mc-sim
 *        │           └─ mc-gen
 *        ├─ serving
 *        └─ dev-tools
 *
 * `plugins: [hep({ layers: ['analysis'], variant: 'graphics' })]`. See docs/hep.md.
 */
export { hep, PLUGIN_NAME, PLUGIN_VERSION, type HepPlugin } from './src/plugin.ts';
export { parseHepOptions, HepOptionsSchema, type HepOptions, type HepOptionsInput } from './src/options.ts';
export { resolveHep, type HepResolution } from './src/resolve.ts';
export { LAYERS } from './src/layers/index.ts';
export { LAYER_NAMES, VARIANTS, CONTEXT_MOUNT, defineLayer, type LayerName, type Variant, type LayerContext, type LayerDefinition } from './src/types.ts';
export { PACKAGE_RULES, OPTION_RULES, checkPackageRules, ruleError, type HepRule, type PackageRule, type RuleViolation } from './src/rules.ts';
export { UseView, viewFromSets, viewFromModel } from './src/use-view.ts';
export { NO_TMPFS, NO_TMPFS_CONF, ONDISK_TMPDIR } from './src/env-files.ts';
export { hep as default } from './src/plugin.ts';
