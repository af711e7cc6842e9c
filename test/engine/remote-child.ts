/**
 * Started by test/engine/remote-tls.test.ts inside the client namespace of test/helpers/remote-engine.ts:
 * binfarm's engine client against the remote TLS engine (argv: host, ca, cert, key, image; cert
 * and key may be "-" for none). Does what a build without host bind mounts needs — a named
 * volume, files in through the archive API, a container that reads them — and prints one JSON line.
 */
import { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import { createEngine } from '../../core/engine/docker-engine.ts';
import { isBinfarmError } from '../../core/errors.ts';
import { captureLogger, testRunId } from './helpers.ts';

const [host, ca, cert, key, image] = process.argv.slice(2) as [string, string, string, string, string];
const tls = { ca, ...(cert !== '-' ? { cert } : {}), ...(key !== '-' ? { key } : {}) };
try {
  // An empty environment: nothing of the test machine's DOCKER_* may help.
  const engine = await createEngine({ docker: { host, tls } }, testRunId('remote'), captureLogger(), { env: {} });
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
  process.stdout.write(`${JSON.stringify({ ok: false, code: isBinfarmError(e) ? e.code : undefined, message: (e as Error).message })}\n`);
}
