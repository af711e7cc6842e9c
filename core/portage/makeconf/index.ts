/** Portage's make.conf: parse, evaluate, serialize, merge (docs/internals/gentoo.md#make-conf). */
export type { MakeConfDoc, Statement, AssignStatement, SourceStatement, Segment } from './types.ts';
export { parseMakeConf } from './parse.ts';
export { evaluateMakeConf, expandSegments, type EvaluateOptions, type Evaluated } from './evaluate.ts';
export { serializeMakeConf, formatAssignment, quoteLiteral, assignment } from './serialize.ts';
export {
  INCREMENTAL_VARS,
  USE_EXPAND_VARS,
  PORTAGE_DEFINED_VARS,
  isIncremental,
  inheritedNames,
  incrementalTokens,
  stackTokens,
  stackAll,
} from './incremental.ts';
export { resolveMakeConf, type MakeConfSection } from './contributions.ts';
export { mergeIntoExisting, type MergeResult } from './merge-existing.ts';
export { makeConfError } from './errors.ts';
