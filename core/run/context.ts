// The run's types are part of the plugin contract (core/types.ts); re-exported for old import paths.
export { PHASES } from '../types.ts';
export type { PackageProgress, PhaseName, PhaseRecord, Progress, RunContext, SubjectBuild } from '../types.ts';
