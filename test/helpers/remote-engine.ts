/**
 * A Docker engine that is not on "this machine" as binfarm sees it, for tests (as root): a dockerd
 * in network namespace B listening on tcp://10.213.0.2:2376 with TLS (client certificates
 * required, a CA made for the test with openssl), and namespace A, joined to B by a veth pair,
 * where the client runs (`runInA`). 10.213.0.0/24 exists only inside the two namespaces. The
 * test process itself reaches the engine through its unix socket (`docker`), to look at what the
 * client made. With `ssh: true`, an sshd in namespace B fronts the same engine on
 * ssh://root@10.213.0.2:2222 (test/helpers/remote-sshd.ts). Built from the swarm cluster's pieces (test/helpers/swarm-cluster-start.ts), with
 * the same footprint and sweep: stop() (also run on process exit) leaves nothing behind.
 */
import Docker from 'dockerode';
import { execa, type Options as ExecaOptions, type ResultPromise } from 'execa';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dockerForTests } from './docker.ts';
import { forgetCluster, recordCluster, sweepStaleClusters } from './swarm-cluster-stale.ts';
import { ADDRS, makeNetwork, startDockerd, tail, waitDockerd, withTimeout, type Daemon } from './swarm-cluster-start.ts';
import { startSshd, type RemoteSsh } from './remote-sshd.ts';
import { clusterLeftovers, sweepCluster, type ClusterFootprint } from './swarm-cluster-sweep.ts';

export interface RemoteEngine {
  /** `tcp://10.213.0.2:2376`: the engine as a client in namespace A reaches it. */
  host: string;
  /** Client certificate files (`docker.tls`); the server requires one signed by `ca`. */
  tls: { ca: string; cert: string; key: string };
  /** The sshd in front of the engine, when started with `ssh: true`. */
  ssh?: RemoteSsh;
  /** The engine through its unix socket (for the test's own checks, not the client under test). */
  docker: Docker;
  /** Runs argv inside namespace A (`nsenter --net`); swept at stop(). */
  runInA(argv: string[], opts?: ExecaOptions): ResultPromise;
  /** Copies an image from the machine's main engine into the remote one. */
  loadImage(ref: string): Promise<void>;
  stop(): Promise<void>;
  /** What is still on the machine; [] once stopped. */
  leftovers(): string[];
}

/** CA, server certificate for 10.213.0.2 and a client certificate, as dockerd's TLS guide makes them. */
function makeCertificates(dir: string): { ca: string; serverCert: string; serverKey: string; cert: string; key: string } {
  mkdirSync(dir, { recursive: true });
  const f = (n: string) => join(dir, n);
  const ssl = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe', timeout: 60_000 });
  ssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=binfarm test CA', '-keyout', f('ca-key.pem'), '-out', f('ca.pem')]);
  const sign = (name: string, subj: string, ext: string) => {
    ssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', subj, '-keyout', f(`${name}-key.pem`), '-out', f(`${name}.csr`)]);
    writeFileSync(f(`${name}.ext`), `${ext}\n`);
    ssl([
      'x509',
      '-req',
      '-days',
      '2',
      '-in',
      f(`${name}.csr`),
      '-CA',
      f('ca.pem'),
      '-CAkey',
      f('ca-key.pem'),
      '-CAcreateserial',
      '-extfile',
      f(`${name}.ext`),
      '-out',
      f(`${name}-cert.pem`),
    ]);
  };
  sign('server', `/CN=${ADDRS.B}`, `subjectAltName = IP:${ADDRS.B}\nextendedKeyUsage = serverAuth`);
  sign('client', '/CN=binfarm test client', 'extendedKeyUsage = clientAuth');
  return { ca: f('ca.pem'), serverCert: f('server-cert.pem'), serverKey: f('server-key.pem'), cert: f('client-cert.pem'), key: f('client-key.pem') };
}

export async function startRemoteEngine(opts: { stepTimeoutMs?: number; ssh?: boolean } = {}): Promise<RemoteEngine> {
  const stepMs = opts.stepTimeoutMs ?? 120_000;
  const tag = `bfsw-${randomBytes(3).toString('hex')}`;
  const short = tag.slice('bfsw-'.length);
  const parent = tmpdir().length <= 40 ? tmpdir() : '/tmp';
  const fp: ClusterFootprint = {
    tag,
    dir: mkdtempSync(join(parent, `${tag}.`)),
    netns: [`${tag}-a`, `${tag}-b`],
    cgroupParents: [`${tag}-b`],
    pids: new Set(),
    markers: [tag],
    shimSockets: new Set(),
  };
  sweepStaleClusters();
  recordCluster(fp);
  const sweep = () => {
    sweepCluster(fp);
    forgetCluster(tag);
  };
  process.on('exit', sweep);
  let daemon: Daemon | undefined;
  try {
    const certs = makeCertificates(join(fp.dir, 'tls'));
    await makeNetwork(fp.netns[0]!, fp.netns[1]!, `bf${short}a`, `bf${short}b`);
    const host = `tcp://${ADDRS.B}:2376`;
    daemon = startDockerd(fp, 'B', ['-H', host, '--tlsverify', '--tlscacert', certs.ca, '--tlscert', certs.serverCert, '--tlskey', certs.serverKey]);
    await waitDockerd(daemon, stepMs);
    const d = daemon;
    const ssh = opts.ssh ? await startSshd(fp, fp.netns[0]!, fp.netns[1]!, d.node.socketPath, stepMs) : undefined;
    let stopped = false;
    return {
      host,
      tls: { ca: certs.ca, cert: certs.cert, key: certs.key },
      ...(ssh ? { ssh } : {}),
      docker: d.node.docker,
      runInA(argv, o) {
        const child = execa('nsenter', [`--net=/run/netns/${fp.netns[0]}`, '--', ...argv], o ?? {});
        if (child.pid) fp.pids.add(child.pid);
        return child;
      },
      async loadImage(ref) {
        const res = await d.node.docker.loadImage(await (await dockerForTests()).getImage(ref).get());
        const text = await new Promise<string>((resolve, reject) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve(body));
          res.on('error', reject);
        });
        if (/"error/.test(text)) throw new Error(`remote engine: loading ${ref} failed: ${text}`);
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        // sshd and its sessions are in namespace B and name the engine's dir: the sweep ends them.
        if (d.child.exitCode === null && d.child.signalCode === null) {
          d.child.kill('SIGTERM');
          await withTimeout('dockerd shutdown', 30_000, new Promise<void>((r) => d.child.once('exit', () => r()))).catch(() => {});
        }
        sweep();
        process.off('exit', sweep);
      },
      leftovers: () => clusterLeftovers(fp),
    };
  } catch (e) {
    const err = e as Error;
    if (daemon && !/log tail/.test(err.message)) err.message += `\n--- dockerd (${daemon.node.log}):\n${tail(daemon.node.log, 15)}`;
    sweep();
    process.off('exit', sweep);
    throw err;
  }
}
