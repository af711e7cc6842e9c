/**
 * Started by test/engine/remote-tls.test.ts and remote-ssh.test.ts inside the client namespace of
 * test/helpers/remote-engine.ts: binfarm's engine client against the remote engine (argv: the
 * JSON of `{ docker, env }`, the config's `docker` section and the environment binfarm sees, then
 * the image). Does what a build without host bind mounts needs — a named
 * volume, files in through the archive API, a container that reads them — and prints one JSON line.
 */
import { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import type { DockerConnectionConfig } from '../../core/engine/connect.ts';
import { createEngine } from '../../core/engine/docker-engine.ts';
import { isBinfarmError } from '../../core/errors.ts';
import { captureLogger, testRunId } from './helpers.ts';

const [spec, image] = process.argv.slice(2) as [string, string];
const { docker, env } = JSON.parse(spec) as { docker: DockerConnectionConfig; env?: Record<string, string> };
try {
  // Only the given environment (else none): nothing of the test machine's DOCKER_* or SSH_AUTH_SOCK may help.
  const engine = await createEngine({ docker }, testRunId('remote'), captureLogger(), { env: env ?? {} });
  const { apiVersion } = await engine.ping();
  const volume = await engine.createVolume(`binfarm-remote-${engine.runId}`);
  const writer = await engine.create({ image, cmd: ['/bin/true'], mounts: [{ type: 'volume', source: volume, target: '/data' }] });
  const pack = tarStream.pack();
  pack.entry({ name: 'hello', mode: 0o644 }, 'sent through the archive API\n');
  pack.finalize();
  await writer.putArchive(Readable.from(pack as unknown as AsyncIterable<Buffer>), '/data');
  await writer.remove();
  const read = await engine.run({
    image,
    cmd: ['cat', '/data/hello'],
    mounts: [{ type: 'volume', source: volume, target: '/data', readOnly: true }],
    network: 'none',
  });
  await engine.cleanup();
  process.stdout.write(`${JSON.stringify({ ok: true, apiVersion, local: engine.local, display: engine.host, read: read.stdout, exitCode: read.exitCode })}\n`);
} catch (e) {
  const err = isBinfarmError(e) ? { code: e.code, hint: e.hint, details: e.details } : {};
  process.stdout.write(`${JSON.stringify({ ok: false, message: (e as Error).message, ...err })}\n`);
}
