/**
 * An interactive exec in a running container over the Docker Engine API (exec create + a hijacked
 * start, as `docker exec -it` does): the user's stdin goes in, the output comes out, the exit code
 * comes back from the exec's inspect. With a TTY the local terminal is put in raw mode (Ctrl-C,
 * Ctrl-D and line editing belong to the shell in the container) and window size changes are
 * passed on; without one, stdout and stderr stay apart (Docker multiplexes them) and the end of
 * stdin closes the command's stdin. No docker CLI, no shell string: argv goes to the API as is.
 */
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { BinfarmError } from '../errors.ts';
import { dockerodeOf } from './dockerode-of.ts';
import type { Engine } from './types.ts';
import { translateDockerError } from './errors.ts';

export interface InteractiveIo {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** Allocate a TTY (the caller decides: stdin and stdout are terminals). */
  tty: boolean;
  env?: Record<string, string>;
  workdir?: string;
  /** Aborting ends the exec's stream (the container is removed by the caller's cleanup). */
  signal?: AbortSignal;
}


/** Runs argv in the container with the user's terminal attached; resolves to its exit code. */
export async function interactiveExec(engine: Engine, containerId: string, argv: string[], io: InteractiveIo): Promise<number> {
  const docker = await dockerodeOf(engine, 'an interactive exec');
  const ctx = { action: `exec ${argv[0] ?? ''}`, host: engine.host };
  let exec: Docker.Exec;
  let stream: Duplex;
  try {
    exec = await docker.getContainer(containerId).exec({
      Cmd: argv,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: io.tty,
      Env: [...(io.tty ? [`TERM=${process.env.TERM ?? 'xterm'}`] : []), ...Object.entries(io.env ?? {}).map(([k, v]) => `${k}=${v}`)],
      WorkingDir: io.workdir,
    });
    stream = (await exec.start({ hijack: true, stdin: true, Tty: io.tty })) as unknown as Duplex;
  } catch (e) {
    throw translateDockerError(e, ctx);
  }

  const { stdin, stdout, stderr } = io;
  const wasRaw = io.tty && stdin.isTTY ? stdin.isRaw : false;
  const resize = () => {
    if (stdout.columns && stdout.rows) exec.resize({ h: stdout.rows, w: stdout.columns }).catch(() => undefined);
  };
  if (io.tty) {
    if (stdin.isTTY) stdin.setRawMode(true);
    stdout.on('resize', resize);
    resize();
    stream.pipe(stdout, { end: false });
  } else {
    docker.modem.demuxStream(stream, stdout, stderr);
  }
  // The end of the user's input closes the command's stdin (a half-close: its output still comes).
  const onData = (chunk: Buffer) => stream.write(chunk);
  const onEnd = () => stream.end();
  stdin.on('data', onData);
  stdin.once('end', onEnd);
  stdin.resume();
  const onAbort = () => stream.destroy();
  io.signal?.addEventListener('abort', onAbort, { once: true });

  try {
    await new Promise<void>((resolve, reject) => {
      stream.once('end', resolve);
      stream.once('close', resolve);
      stream.once('error', (e) => (io.signal?.aborted ? resolve() : reject(e)));
    });
  } finally {
    io.signal?.removeEventListener('abort', onAbort);
    stdin.off('data', onData);
    stdin.off('end', onEnd);
    stdin.pause();
    if (io.tty) {
      stdout.off('resize', resize);
      if (stdin.isTTY) stdin.setRawMode(wasRaw);
    }
  }
  if (io.signal?.aborted) {
    throw new BinfarmError('E_INTERRUPTED', 'the shell was interrupted', { hint: 'Its container is removed.' });
  }
  try {
    // The stream can end a moment before the daemon records the exit: wait for it briefly.
    let info = await exec.inspect();
    for (let i = 0; i < 40 && info.Running; i++) {
      await new Promise((r) => setTimeout(r, 50));
      info = await exec.inspect();
    }
    return info.ExitCode ?? 1;
  } catch (e) {
    throw translateDockerError(e, ctx);
  }
}
