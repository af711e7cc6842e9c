/** The public API of binfarm: what a config or a plugin package imports from 'binfarm'. */
// The plugin contract (every plugin-facing type, the stage constants, PHASES): core/types.ts.
export * from './types.ts';
export { defineConfig, type BinfarmConfig, type ConfigEnv, type ConfigExport } from './config/define.ts';
export { ConfigSchema, type BinfarmOptions, type BinfarmConfigInput } from './config/schema/index.ts';
export { AtomSpecSchema, ATOM_SPEC_KEYS } from './config/schema/subject.ts';
export { definePlugin } from './plugin.ts';
export { Farm, createFarm, type FarmInit } from './farm.ts';
export { renderSubject, type RenderedSubject } from './testing.ts';
export { defineSubject, definePackageSets, BASE_SUBJECT } from './subject/types.ts';
export { MountStrategyRegistry } from './tree/mount/registry.ts';
export { endPreparationTurn } from './run/preparation-turns.ts';
export { BinfarmError, PluginError, isBinfarmError, type ErrorCode } from './errors.ts';
export * from './portage/public.ts';
