/**
 * The Portage part of binfarm's public API (re-exported by 'binfarm'): grammars, make.conf,
 * the model builder and renderer, patch strategies. Model types are exported from core/index.ts.
 */
export {
  parseAtom,
  atomKey,
  formatAtom,
  patchTarget,
  validateUseFlag,
  validateUseToken,
  validateLicenseToken,
  validateKeywordToken,
  validateSetName,
  validateRepoName,
  validateEnvFileName,
  validateFeatureToken,
  type Atom,
  type AtomOperator,
  type UseDep,
  type ParseAtomOptions,
} from './grammar/index.ts';
export {
  parseMakeConf,
  evaluateMakeConf,
  serializeMakeConf,
  formatAssignment,
  quoteLiteral,
  isIncremental,
  incrementalTokens,
  stackTokens,
  resolveMakeConf,
  mergeIntoExisting,
  type MakeConfDoc,
  type EvaluateOptions,
  type MergeResult,
} from './makeconf/index.ts';
export { buildPortageModel, CONFIG_CONTRIBUTOR } from './build-model.ts';
export { renderPortage, symlinkTarget, symlinkValue, absolutePath, SYMLINK_PREFIX, PORTAGE_DIR, DEFAULT_PROFILE_REPO } from './render/index.ts';
export { renderSubject } from './render-subject.ts';
export { subjectContributor } from './subject-chain.ts';
export { unifiedDiff } from './diff.ts';
export { matchGlob } from './glob.ts';
export {
  definePatchStrategy,
  strategyChooser,
  DEFAULT_STRATEGY_RULES,
  type PatchStrategy,
  type StrategyInput,
  type StrategyResult,
  type FileOp,
} from './strategy.ts';
