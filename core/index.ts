/** The public API of binfarm: what a config or a plugin package imports from 'binfarm'. */
export { defineConfig, type BinfarmConfig, type ConfigEnv, type ConfigExport } from './config/define.ts';
export { ConfigSchema, type BinfarmOptions, type BinfarmConfigInput } from './config/schema/index.ts';
export { definePlugin, type Plugin, type PluginOption } from './plugin.ts';
export { Farm, createFarm, type FarmInit } from './farm.ts';
export { renderSubject, type RenderedSubject } from './testing.ts';
export type { FarmHooks, HookName, PhaseClaim, RenderContext, AtomContext, RunSummary } from './hooks.ts';
export { defineSubject, definePackageSets, BASE_SUBJECT } from './subject/types.ts';
export type { AtomSpec, PackageSets, SmokeTest, PortageFragment, SubjectSpec, Subject } from './subject/types.ts';
export type { RunContext, SubjectBuild, Progress, PhaseName, PhaseRecord } from './run/context.ts';
export { PHASES } from './run/context.ts';
export type { PortageModel, PackageEntry, PackageFileKind, MakeConfContribution, ProfileSpec } from './portage/model.ts';
export type { Engine, ContainerHandle, ContainerSpec, MountSpec, ExecResult } from './engine/types.ts';
export { MountStrategyRegistry } from './tree/mount/registry.ts';
export type { MountStrategy, StrategyContext, RepoMount } from './tree/mount/types.ts';
export type { Logger, LogType } from './log/logger.ts';
export { BinfarmError, PluginError, isBinfarmError, type ErrorCode } from './errors.ts';
export * from './portage/public.ts';
