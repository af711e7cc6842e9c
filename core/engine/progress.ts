/**
 * Following the JSON event streams of pull, push and import. The daemon answers 200 and reports
 * failures as events with `.error`, so every stream is scanned and the first error rejects.
 * Pull/push progress is folded into one readable line per update (layers done, bytes), throttled.
 */
import type Docker from 'dockerode';
import { streamEventError, type DockerErrorContext } from './errors.ts';

export interface ProgressEvent {
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string; Digest?: string; Tag?: string; Size?: number };
  stream?: string;
}

/** Resolves with every event once the stream ends; rejects on the first `.error` event. */
export function followProgress(
  docker: Docker,
  stream: NodeJS.ReadableStream,
  ctx: DockerErrorContext,
  onEvent?: (e: ProgressEvent) => void,
): Promise<ProgressEvent[]> {
  return new Promise((resolve, reject) => {
    let failed: ProgressEvent | undefined;
    docker.modem.followProgress(
      stream,
      (err: Error | null, events: ProgressEvent[]) => {
        if (failed) return reject(streamEventError(failed, ctx));
        if (err) return reject(err);
        const bad = events.find((e) => e.error);
        if (bad) return reject(streamEventError(bad, ctx));
        resolve(events);
      },
      (e: ProgressEvent) => {
        if (e.error) failed ??= e;
        onEvent?.(e);
      },
    );
  });
}

const MB = 1024 * 1024;

/**
 * Folds per-layer pull/push events into lines like
 * `gentoo/stage3:amd64-openrc: 2/5 layers done, 112.4/310.0 MB`.
 */
export function layerProgressReporter(ref: string, onLine: (line: string) => void, intervalMs = 500): (e: ProgressEvent) => void {
  const layers = new Map<string, { current: number; total: number; done: boolean }>();
  let last = 0;
  return (e) => {
    if (!e.id || e.id === ref.split(':').pop() || !e.status) {
      if (e.status && !e.progressDetail?.total) onLine(`${ref}: ${e.status}`);
      return;
    }
    const layer = layers.get(e.id) ?? { current: 0, total: 0, done: false };
    layers.set(e.id, layer);
    if (e.progressDetail?.total) {
      layer.total = e.progressDetail.total;
      layer.current = e.progressDetail.current ?? layer.current;
    }
    if (/complete|already exists|pushed|layer already exists|mounted from/i.test(e.status)) {
      layer.done = /pull complete|already exists|pushed|mounted from/i.test(e.status) || layer.done;
      if (layer.total) layer.current = layer.total;
    }
    const now = Date.now();
    if (now - last < intervalMs && !layer.done) return;
    last = now;
    let cur = 0;
    let tot = 0;
    let done = 0;
    for (const l of layers.values()) {
      cur += l.current;
      tot += l.total;
      if (l.done) done++;
    }
    const bytes = tot ? `, ${(cur / MB).toFixed(1)}/${(tot / MB).toFixed(1)} MB` : '';
    onLine(`${ref}: ${done}/${layers.size} layers done${bytes}`);
  };
}
