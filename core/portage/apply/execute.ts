import { BinfarmError } from '../../errors.ts';
import type { ContainerHandle } from '../../engine/types.ts';
import type { FileOp } from '../strategy.ts';

/**
 * Carries out a plan in the build container, in order: consecutive writes and links go in one
 * tar archive through the Engine API (parents are created by the daemon), removals and
 * renames run as argv commands (`rm`, `mv`), never through a shell.
 */
export async function executeOps(container: ContainerHandle, ops: readonly FileOp[]): Promise<void> {
  let i = 0;
  while (i < ops.length) {
    const kind = ops[i]!.op === 'symlink' ? 'write' : ops[i]!.op;
    let j = i;
    while (j < ops.length && (ops[j]!.op === 'symlink' ? 'write' : ops[j]!.op) === kind) j++;
    const batch = ops.slice(i, j);
    if (kind === 'write') await container.putArchive(await tarOf(batch), '/');
    else if (kind === 'remove') await run(container, ['rm', '-rf', '--', ...batch.map((o) => (o as { path: string }).path)]);
    else for (const o of batch) if (o.op === 'rename') await run(container, ['mv', '-f', '--', o.from, o.to]);
    i = j;
  }
}

async function run(container: ContainerHandle, argv: string[]): Promise<void> {
  const r = await container.exec(argv);
  if (r.exitCode !== 0) {
    throw new BinfarmError('E_DOCKER', `\`${argv.join(' ')}\` failed in the build container (exit ${r.exitCode}): ${(r.stderr || r.stdout).trim()}`, {
      hint: 'The image needs rm and mv (coreutils or busybox).',
    });
  }
}

/** An in-memory tar of writes and links, paths relative to "/", owned by root. */
export async function tarOf(ops: readonly FileOp[]): Promise<Buffer> {
  const { pack } = await import('tar-stream');
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => chunks.push(c as Buffer));
  const ended = new Promise<void>((resolve, reject) => {
    p.on('end', resolve);
    p.on('error', reject);
  });
  const mtime = new Date();
  for (const op of ops) {
    const name = (op as { path: string }).path.replace(/^\/+/, '');
    if (op.op === 'write') {
      const body = typeof op.content === 'string' ? Buffer.from(op.content, 'utf8') : Buffer.from(op.content);
      await new Promise<void>((resolve, reject) =>
        p.entry({ name, type: 'file', mode: op.mode ?? 0o644, uid: 0, gid: 0, mtime, size: body.length }, body, (err) => (err ? reject(err) : resolve())),
      );
    } else if (op.op === 'symlink') {
      await new Promise<void>((resolve, reject) =>
        p.entry({ name, type: 'symlink', linkname: op.target, mode: 0o777, uid: 0, gid: 0, mtime }, (err) => (err ? reject(err) : resolve())),
      );
    }
  }
  p.finalize();
  await ended;
  return Buffer.concat(chunks);
}
