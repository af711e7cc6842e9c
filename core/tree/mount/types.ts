// Mount strategies are part of the plugin contract (core/types.ts); re-exported for old import paths.
export type { MountStrategy, RepoMount, StrategyContext } from '../../types.ts';
