/**
 * The transport of an `ssh://` engine: an http.Agent whose connections are channels to the engine
 * on SSH connections to the host: forwarded to the engine's socket, or `docker system dial-stdio`
 * as the docker CLI makes them (see open()). Why not
 * docker-modem's own ssh transport: it opens a new SSH connection for every API call (a full
 * handshake each time, hundreds per build), accepts any host key, and reports a missing docker
 * CLI on the host as "socket hang up". Here one SSH connection carries up to MAX_CHANNELS
 * channels (sshd's MaxSessions is 10 by default) and is kept alive between calls, the host key
 * must be in known_hosts (core/engine/ssh-known-hosts.ts), and failures are BinfarmErrors that
 * name the host (core/engine/ssh-errors.ts). ssh2 is loaded when the first connection is made.
 */
import { Agent, type ClientRequestArgs } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { AgentAuthMethod, AuthMethod, Client, ClientChannel, ConnectConfig, PublicKeyAuthMethod } from 'ssh2';
import { readIdentities, type IdentityFile } from './ssh-identity.ts';
import { dialStdioError, hostKeyError, sshConnectError, type SshEndpoint } from './ssh-errors.ts';
import { hostKeyAlgorithms, knownHostsName, knownKeysFor, verifyHostKey, type HostKeyVerdict } from './ssh-known-hosts.ts';

const MAX_CHANNELS = 8;

export interface SshTarget extends SshEndpoint {
  /** Private key files to offer, in order (core/engine/ssh-identity.ts). */
  identities: IdentityFile[];
  /** ssh-agent's socket (SSH_AUTH_SOCK), tried after the identities. */
  agent: string | undefined;
  readyTimeoutMs?: number;
}

interface Link {
  client: Client;
  sock: Socket;
  /** Channels open or opening on it, and how many of those a request is using or waiting for (the rest wait in the agent's free list). */
  open: number;
  busy: number;
  /** How many channels it may carry: MAX_CHANNELS, less once the server refused one (a lower MaxSessions). */
  cap: number;
  closed: boolean;
}

interface ChannelState {
  link: Link;
  busy: boolean;
}

const STATE = Symbol('binfarm.sshChannel');
type Stdio = Duplex & { [STATE]?: ChannelState };

export class SshDockerAgent extends Agent {
  private readonly links: Link[] = [];
  private opening: Promise<void> | undefined;
  /** The engine's unix socket on the host, as its docker CLI names it; undefined: use dial-stdio (see open()). */
  private socketPath: Promise<string | undefined> | undefined;
  /** A channel opened ahead of need (see take()). */
  private spare: Promise<Stdio> | undefined;

  constructor(readonly target: SshTarget) {
    super({ keepAlive: true });
  }

  override createConnection(_options: ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    this.take().then(
      (s) => callback?.(null, s),
      (e: Error) => callback?.(e, undefined as unknown as Duplex),
    );
    return undefined;
  }

  // A free channel must not hold the process open: the SSH socket is unref'd while no request uses it.
  override keepSocketAlive(socket: Duplex): boolean {
    this.setBusy(socket as Stdio, false);
    return true;
  }

  override reuseSocket(socket: Duplex): void {
    this.setBusy(socket as Stdio, true);
  }

  override destroy(): void {
    super.destroy();
    this.spare = undefined;
    for (const l of this.links.splice(0)) l.client.end();
  }

  private setBusy(s: Stdio, busy: boolean): void {
    const st = s[STATE];
    if (!st || st.busy === busy) return;
    st.busy = busy;
    this.count(st.link, busy ? 1 : -1);
  }

  private count(link: Link, delta: number): void {
    link.busy += delta;
    if (link.busy > 0) link.sock.ref();
    else link.sock.unref();
  }

  /** A connection with room for one more channel, counted as taken. */
  private async claim(): Promise<Link> {
    for (;;) {
      const free = this.links.find((l) => !l.closed && l.open < l.cap);
      if (free) {
        free.open++;
        return free;
      }
      // One handshake at a time: concurrent first requests wait for it, and share its failure.
      this.opening ??= this.connect()
        .then((l) => void this.links.push(l))
        .finally(() => (this.opening = undefined));
      await this.opening;
    }
  }

  private async connect(): Promise<Link> {
    const t = this.target;
    const { default: ssh2 } = await import('ssh2');
    const keys = readIdentities(t.identities, t.display, (k) => ssh2.utils.parseKey(k));
    const known = knownKeysFor(t.knownHosts, knownHostsName(t.hostKeyAlias ?? t.host, t.port));
    const sock = await new Promise<Socket>((resolve, reject) => {
      const s = netConnect({ host: t.host, port: t.port });
      s.once('connect', () => resolve(s));
      s.once('error', (e) => reject(sshConnectError(t, Object.assign(e, { level: 'client-socket' }), '')));
    });
    let verdict: HostKeyVerdict | undefined;
    const client = new ssh2.Client();
    const algos = hostKeyAlgorithms(known);
    const config: ConnectConfig = {
      sock,
      username: t.username,
      readyTimeout: t.readyTimeoutMs ?? 20_000,
      // The only place a host key is accepted: it must be in the known_hosts files.
      hostVerifier: (key: Buffer) => {
        const parsed = ssh2.utils.parseKey(key);
        const type = parsed instanceof Error ? 'unknown' : parsed.type;
        verdict = verifyHostKey(known, type, key);
        return verdict.ok;
      },
      authHandler: [
        ...keys.map((i): PublicKeyAuthMethod => ({ type: 'publickey', username: t.username, key: i.key })),
        ...(t.agent ? [{ type: 'agent', username: t.username, agent: t.agent } satisfies AgentAuthMethod] : []),
      ] as AuthMethod[],
      ...(algos ? { algorithms: { serverHostKey: algos as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] } } : {}),
    };
    const tried = [...keys.map((i) => i.file), ...(t.agent ? [`the keys in ssh-agent (${t.agent})`] : [])].join(', ') || 'no key: none configured';
    const link: Link = { client, sock, open: 0, busy: 0, cap: MAX_CHANNELS, closed: false };
    await new Promise<void>((resolve, reject) => {
      client.once('ready', () => resolve());
      client.once('error', (e: Error & { level?: string }) => {
        sock.destroy();
        if (verdict && !verdict.ok) reject(hostKeyError(t, verdict));
        else reject(sshConnectError(t, e, tried));
      });
      client.connect(config);
    });
    client.on('error', () => (link.closed = true));
    client.on('close', () => {
      link.closed = true;
      const i = this.links.indexOf(link);
      if (i >= 0) this.links.splice(i, 1);
    });
    sock.unref();
    return link;
  }

  /**
   * A channel for a request. Starting `docker system dial-stdio` on the host costs a process start
   * there (0.1 s on a quiet host, over 1 s on a busy one), and every hijacked stream (exec, attach)
   * uses up its channel; so each channel taken is replaced by a spare opened in the background,
   * and the next request that finds no free channel in the agent takes that one.
   */
  private async take(): Promise<Stdio> {
    const spare = this.spare;
    this.spare = undefined;
    let s: Stdio | undefined;
    if (spare) {
      // The request waits for it: hold the process while the spare's socket may still be unref'd.
      const hold = setInterval(() => undefined, 60_000);
      s = await spare.catch(() => undefined).finally(() => clearInterval(hold));
    }
    if (s && !s.destroyed && !s.readableEnded) this.setBusy(s, true);
    else s = await this.openChannel(true);
    this.spare = this.openChannel(false);
    this.spare.catch(() => undefined);
    return s;
  }

  /**
   * A channel to the engine. When the host's docker CLI names a unix socket (asked once), a channel
   * forwarded to that socket by sshd (OpenSSH's direct-streamlocal): no process on the host, so
   * opening one costs a round trip. Where sshd forbids that (AllowStreamLocalForwarding no, a
   * `restrict` key) or the engine is not on a socket, `docker system dial-stdio`, as the docker CLI.
   */
  private async open(link: Link): Promise<{ ch: ClientChannel; dialStdio: boolean }> {
    const path = await (this.socketPath ??= askSocketPath(link.client));
    if (path) {
      try {
        const ch = await new Promise<ClientChannel>((resolve, reject) =>
          link.client.openssh_forwardOutStreamLocal(path, (e, c) => (e ? reject(e) : resolve(c))),
        );
        return { ch, dialStdio: false };
      } catch {
        this.socketPath = Promise.resolve(undefined);
      }
    }
    const ch = await new Promise<ClientChannel>((resolve, reject) => link.client.exec('docker system dial-stdio', (e, c) => (e ? reject(e) : resolve(c))));
    return { ch, dialStdio: true };
  }

  private async openChannel(forRequest: boolean): Promise<Stdio> {
    const link = await this.claim();
    // A request waits for the channel: the socket must hold the process until it is there. A spare need not.
    if (forRequest) this.count(link, 1);
    let ch: ClientChannel;
    let dialStdio: boolean;
    try {
      ({ ch, dialStdio } = await this.open(link));
    } catch (e) {
      link.open--;
      if (forRequest) this.count(link, -1);
      // The server allows fewer sessions per connection than MAX_CHANNELS: carry fewer, and open another connection.
      if (link.open > 0 && !link.closed) {
        link.cap = link.open;
        return this.openChannel(forRequest);
      }
      throw sshConnectError(this.target, e as Error, '');
    }
    const s = stdioStream(ch, this.target, dialStdio);
    s[STATE] = { link, busy: forRequest };
    ch.once('close', () => {
      this.setBusy(s, false);
      link.open--;
    });
    return s;
  }
}

/**
 * Where the host's docker CLI connects (its context, or DOCKER_HOST in the session's environment),
 * when that is a unix socket. Bounded and fed no input: a forced command in authorized_keys runs
 * in its place, and whatever that prints is not a socket.
 */
function askSocketPath(client: Client): Promise<string | undefined> {
  return new Promise((resolve) => {
    client.exec("docker context inspect --format '{{.Endpoints.docker.Host}}'", (e, ch) => {
      if (e) return resolve(undefined);
      let out = '';
      let code: number | null = null;
      const timer = setTimeout(() => ch.close(), 10_000);
      timer.unref();
      ch.on('data', (d: Buffer) => (out = (out + d.toString()).slice(0, 4096)));
      ch.stderr.resume();
      ch.on('exit', (c: number | null) => (code = c));
      ch.once('close', () => {
        clearTimeout(timer);
        const m = /^unix:\/\/(\/\S+)$/.exec(out.trim());
        resolve(code === 0 && m ? m[1] : undefined);
      });
      ch.end();
    });
  });
}

/**
 * The channel as the socket of an HTTP connection. For `docker system dial-stdio`, its end is
 * passed on only once the channel has closed: then the exit status is known, and a failure (no
 * docker CLI, no engine) reaches the request as that error instead of a bare "socket hang up". A
 * channel forwarded to the socket ends when the engine closes the connection (sshd closes the
 * channel only once both sides have ended).
 */
function stdioStream(ch: ClientChannel, at: SshEndpoint, dialStdio: boolean): Stdio {
  let exitCode: number | null = null;
  let stderr = '';
  const s: Stdio = new Duplex({
    read: () => void ch.resume(),
    write: (chunk: Buffer, _enc, cb) => void ch.write(chunk, cb),
    // http corks the socket around a chunk and its framing: one SSH packet for them, not three.
    writev: (chunks, cb) => void ch.write(Buffer.concat(chunks.map((c) => c.chunk as Buffer)), cb),
    final: (cb) => {
      ch.end();
      cb();
    },
    destroy: (err, cb) => {
      ch.close();
      cb(err);
    },
  });
  ch.on('data', (d: Buffer) => {
    if (!s.push(d)) ch.pause();
  });
  ch.on('error', (e: Error) => s.destroy(e));
  // A stream may fail before anyone listens (a spare whose dial-stdio finds no docker CLI): that
  // must not be an unhandled 'error' that ends binfarm. Its user sees the failure through its own
  // listener, or as a destroyed stream (take() opens another one then).
  s.on('error', () => undefined);
  ch.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  ch.on('exit', (code: number | null) => (exitCode = code));
  let ended = false;
  const end = () => {
    if (!ended) s.push(null);
    ended = true;
  };
  if (!dialStdio) ch.once('end', end);
  ch.once('close', () => {
    if (exitCode) s.destroy(dialStdioError(at, exitCode, stderr));
    else end();
  });
  // What http calls on a net.Socket; a channel has no such knobs.
  return Object.assign(s, {
    setKeepAlive: () => s,
    setNoDelay: () => s,
    setTimeout: () => s,
    ref: () => s,
    unref: () => s,
  });
}
