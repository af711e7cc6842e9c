import { basename } from 'node:path';
import { emitPackageSetsTs } from './emit-ts.ts';
import { readSpec } from './read-spec.ts';

export { readSpec } from './read-spec.ts';
export { emitPackageSetsTs } from './emit-ts.ts';

/**
 * `binfarm import-spec spec.yaml`: the original project's YAML spec as TypeScript using
 * `definePackageSets`, sets and atoms in the spec's order, nested deps kept. YAML comments
 * are not carried over.
 */
export function importSpec(yamlText: string, file: string): string {
  return emitPackageSetsTs(readSpec(yamlText, file), basename(file));
}
