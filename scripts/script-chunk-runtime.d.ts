// Types of script-chunk-runtime.js (plain JavaScript: it is copied into dist/ as it is), for the tests.
import type { Script } from 'node:vm';

export function cacheFileOf(file: string): string;
export function compileScript(file: string): { script: Script; cache: 'accepted' | 'rejected' | 'missing' };
export function writeCodeCache(script: Script, file: string): void;
export function runScriptChunk(
  scriptUrl: URL,
  importerUrl: string,
  chunks: Record<string, unknown>,
  dynamicImport: (specifier: string) => Promise<unknown>,
): unknown;
