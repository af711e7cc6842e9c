/** Portage grammars: atoms, versions, names, keywords (PMS §3, §8). */
export { parseAtom, atomKey, formatAtom, patchTarget, type Atom, type AtomOperator, type UseDep, type ParseAtomOptions } from './atom.ts';
export { VERSION_RE, endsWithVersion } from './version.ts';
export {
  validateUseFlag,
  validateUseToken,
  validateLicenseToken,
  validateKeywordToken,
  validateSetName,
  validateRepoName,
  validateEnvFileName,
  validateFeatureToken,
  VAR_NAME_RE,
} from './names.ts';
export { grammarError, withContext } from './error.ts';
