/**
 * The light part of the Portage API that 'binfarm' re-exports: grammars, the rendered-file
 * conventions, and definePatchStrategy. Loaded with every config, so nothing heavy here.
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
// the strategy types are in the plugin contract (core/types.ts)
export { definePatchStrategy } from './strategy.ts';
