/**
 * A `binfarm --json run` child process read as it runs: each JSON event line parsed, handed to
 * `onEvent` as it arrives (a test may act mid-run, e.g. send SIGINT), and kept with the exit code
 * and output. Used by the swarm and remote-engine farms (test/swarm/swarm-farm.ts,
 * test/helpers/remote-farm.ts).
 */
import type { ResultPromise } from 'execa';

export interface JsonRunResult<E> {
  exitCode: number;
  events: E[];
  stderr: string;
  stdout: string;
}

export async function readJsonRun<E>(child: ResultPromise, onEvent?: (e: E) => void): Promise<JsonRunResult<E>> {
  const events: E[] = [];
  let pending = '';
  child.stdout?.on('data', (b: Buffer) => {
    pending += b.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const l of lines) {
      if (!l.trim().startsWith('{')) continue;
      const e = JSON.parse(l) as E;
      events.push(e);
      onEvent?.(e);
    }
  });
  const r = await child;
  return { exitCode: r.exitCode ?? -1, events, stderr: String(r.stderr ?? ''), stdout: String(r.stdout ?? '') };
}
