/**
 * What the last assembly of each name produced: `<stateDir>/assemblies/<name>.json`, written
 * atomically. For people and tools (`jq`), and for `published` after a push.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../util/fs.ts';

export interface AssemblyRecord {
  version: 1;
  name: string;
  key: string;
  image: { ref: string; id: string };
  /** Every local reference of the image (key tag, --tag). */
  refs: string[];
  from: { subject: string; image: string; partition: string };
  with: string[];
  slim: boolean;
  /** `cat/pf-<build id>` merged, in order. */
  packages: string[];
  runId: string;
  assembledAt: string;
  published?: { images: string[]; digest?: string; at: string };
}

export function assemblyRecordPath(stateDir: string, name: string): string {
  return join(stateDir, 'assemblies', `${name}.json`);
}

export async function writeAssemblyRecord(stateDir: string, record: AssemblyRecord): Promise<void> {
  await writeFileAtomic(assemblyRecordPath(stateDir, record.name), `${JSON.stringify(record, null, 2)}\n`);
}
