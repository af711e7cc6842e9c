/**
 * Everything Portage: grammars, make.conf, the model builder and renderer, patch strategies.
 * 'binfarm' re-exports only the light part (public.ts); import the rest from here.
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
  type StrategyTools,
} from './strategy.ts';
export { STRATEGY_TOOLS } from './apply/plan.ts';
