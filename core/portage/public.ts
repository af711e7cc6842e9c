/**
 * The light part of the Portage API that 'binfarm' re-exports: grammars, the rendered-file
 * conventions, and the patch strategy contract. Loaded with every config, so nothing heavy
 * here; the model builder, renderer and make.conf tools are in core/portage/index.ts.
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
export { symlinkTarget, symlinkValue, absolutePath, SYMLINK_PREFIX, PORTAGE_DIR, DEFAULT_PROFILE_REPO } from './render/conventions.ts';
export {
  definePatchStrategy,
  type PatchStrategy,
  type StrategyInput,
  type StrategyResult,
  type StrategyTools,
  type FileOp,
} from './strategy.ts';
