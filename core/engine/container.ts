/**
 * A container as the phases see it (ContainerHandle over a dockerode Container): exec with exit
 * codes and line streaming, archives in and out, commit with labels, stop, remove.
 */
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { BinfarmError } from '../errors.ts';
import type { ContainerHandle, ExecResult, StreamHandlers } from './types.ts';
import { translateDockerError } from './errors.ts';
import { LABEL, labelChanges } from './labels.ts';

/**
 * A committed image is a product, not an object of the run. Docker copies the container's labels
 * into the image and can only blank a label, never delete it; without this, every container a user
 * starts from the image would carry the finished run's id and look like a leftover to the orphan sweep.
 */
const RUN_SCOPED_BLANK = { [LABEL.run]: '', [LABEL.host]: '', [LABEL.state]: '' };
import { OutputCollector } from './output.ts';

export class DockerContainer implements ContainerHandle {
  readonly id: string;

  constructor(
    private readonly docker: Docker,
    private readonly container: Docker.Container,
    private readonly host: string,
    private readonly onRemoved: (id: string) => void,
  ) {
    this.id = container.id;
  }

  async exec(
    cmd: string[],
    opts: StreamHandlers & { env?: Record<string, string>; user?: string; workdir?: string } = {},
  ): Promise<ExecResult> {
    const ctx = { action: `exec ${cmd[0] ?? ''}`, host: this.host };
    if (opts.signal?.aborted) throw interrupted(cmd);
    try {
      const ex = await this.container.exec({
        Cmd: cmd,
        AttachStdout: true,
        AttachStderr: true,
        AttachStdin: false,
        Tty: false,
        Env: opts.env ? Object.entries(opts.env).map(([k, v]) => `${k}=${v}`) : undefined,
        User: opts.user,
        WorkingDir: opts.workdir,
      });
      const stream = (await ex.start({ hijack: true, stdin: false })) as NodeJS.ReadableStream & { destroy?: () => void };
      const out = new OutputCollector(opts.onLine, opts.keepBytes);
      this.docker.modem.demuxStream(stream, out.stdout, out.stderr);
      const onAbort = () => stream.destroy?.();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        await Promise.race([once(stream, 'end'), once(stream, 'close')]);
      } finally {
        opts.signal?.removeEventListener('abort', onAbort);
      }
      if (opts.signal?.aborted) throw interrupted(cmd);
      const { stdout, stderr } = out.finish();
      // ExitCode is only reliable once the stream ended; poll briefly in case the daemon lags.
      let info = await ex.inspect();
      for (let i = 0; info.Running && i < 50; i++) {
        await new Promise((r) => setTimeout(r, 20));
        info = await ex.inspect();
      }
      return { exitCode: info.ExitCode ?? -1, stdout, stderr };
    } catch (e) {
      throw translateDockerError(e, ctx);
    }
  }

  async putArchive(tar: Readable | Buffer, path: string): Promise<void> {
    try {
      // Resolves once the daemon answered, i.e. after the whole archive was uploaded and unpacked.
      await this.container.putArchive(tar as NodeJS.ReadableStream, { path });
    } catch (e) {
      throw translateDockerError(e, { action: `copy an archive to ${path} in container ${this.id.slice(0, 12)}`, host: this.host });
    }
  }

  async getArchive(path: string): Promise<Readable> {
    try {
      const s = await this.container.getArchive({ path });
      return s as unknown as Readable;
    } catch (e) {
      const err = translateDockerError(e, { action: `read ${path} from container ${this.id.slice(0, 12)}`, host: this.host });
      if ((e as { statusCode?: number }).statusCode === 404) {
        throw new BinfarmError('E_DOCKER', `no ${path} in container ${this.id.slice(0, 12)}`, { cause: e, details: { path } });
      }
      throw err;
    }
  }

  async statPath(path: string): Promise<{ size: number } | undefined> {
    try {
      // HEAD on the archive endpoint: the answer's X-Docker-Container-Path-Stat header is base64 JSON.
      const res = (await this.container.infoArchive({ path })) as IncomingMessage;
      res.resume();
      const stat = res.headers['x-docker-container-path-stat'];
      const size = typeof stat === 'string' ? (JSON.parse(Buffer.from(stat, 'base64').toString('utf8')) as { size?: unknown }).size : undefined;
      if (typeof size !== 'number') throw new BinfarmError('E_DOCKER', `the engine sent no stat of ${path} in container ${this.id.slice(0, 12)}`);
      return { size };
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return undefined;
      throw translateDockerError(e, { action: `stat ${path} in container ${this.id.slice(0, 12)}`, host: this.host });
    }
  }

  async commit(opts: { repo: string; tag: string; labels?: Record<string, string>; changes?: string[]; comment?: string }): Promise<string> {
    try {
      const res = (await this.container.commit({
        repo: opts.repo,
        tag: opts.tag,
        comment: opts.comment,
        changes: [...labelChanges({ ...RUN_SCOPED_BLANK, ...opts.labels }), ...(opts.changes ?? [])],
      })) as { Id?: string };
      if (!res?.Id) throw new BinfarmError('E_DOCKER', `commit of ${opts.repo}:${opts.tag} returned no image id`);
      return res.Id;
    } catch (e) {
      throw translateDockerError(e, { action: 'commit', ref: `${opts.repo}:${opts.tag}`, host: this.host });
    }
  }

  async stop(timeoutSeconds = 10): Promise<void> {
    try {
      await this.container.stop({ t: timeoutSeconds });
    } catch (e) {
      const code = (e as { statusCode?: number }).statusCode;
      if (code === 304 || code === 404) return; // already stopped / gone
      throw translateDockerError(e, { action: 'stop container', host: this.host });
    }
  }

  async remove(): Promise<void> {
    try {
      await this.container.remove({ force: true, v: true });
    } catch (e) {
      const code = (e as { statusCode?: number }).statusCode;
      // 404: already gone; 409: removal already in progress (cleanup raced with us).
      if (code !== 404 && code !== 409) throw translateDockerError(e, { action: 'remove container', host: this.host });
    }
    this.onRemoved(this.id);
  }

  /** Starts a created container. */
  async start(): Promise<void> {
    try {
      await this.container.start();
    } catch (e) {
      throw translateDockerError(e, { action: 'start container', host: this.host });
    }
  }
}

function interrupted(cmd: string[]): BinfarmError {
  return new BinfarmError('E_INTERRUPTED', `interrupted while running ${cmd.join(' ')}`);
}
