/** A local image with the given labels, made metadata-only from another local image (no layer, no pull). */
import { execa } from 'execa';

export async function labelledImage(from: string, ref: string, labels: Record<string, string>): Promise<string> {
  const dockerfile = `FROM ${from}\n${Object.entries(labels).map(([k, v]) => `LABEL ${JSON.stringify(k)}=${JSON.stringify(v)}`).join('\n')}\n`;
  await execa('docker', ['build', '-q', '-t', ref, '-'], { input: dockerfile, env: { DOCKER_BUILDKIT: '0' } });
  return (await execa('docker', ['image', 'inspect', '-f', '{{.Id}}', ref])).stdout.trim();
}
