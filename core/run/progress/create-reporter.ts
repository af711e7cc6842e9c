import type { RunReporter } from './events.ts';
import { createJsonReporter } from './json-reporter.ts';
import { createLineReporter } from './line-reporter.ts';
import { createListrReporter } from './listr-reporter.ts';
import type { RendererName } from './select-renderer.ts';

/** The reporter for a renderer name (see select-renderer.ts). */
export function createReporter(renderer: RendererName, streams: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream }): RunReporter {
  if (renderer === 'json') return createJsonReporter(streams.stdout);
  if (renderer === 'simple' || renderer === 'verbose') return createLineReporter(streams.stdout, renderer);
  return createListrReporter({ renderer, stdout: streams.stdout, stderr: streams.stderr });
}
