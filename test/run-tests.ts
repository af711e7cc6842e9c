/**
 * `npm test`: makes sure a Docker Engine answers, runs ava, prints `N passed, N failed`.
 *
 * - A reachable engine (DOCKER_HOST or /var/run/docker.sock) is used as is.
 * - A socket that exists but is slow to answer is waited for (up to 60 s), never replaced.
 * - None, and we are root: a private dockerd is started (own socket, data root and exec root
 *   under a temp dir, no bridge/iptables changes to the host), used for the whole run
 *   through DOCKER_HOST, and stopped afterwards.
 * - None, and not root: fail with the install/start command.
 *
 * - Every temp file of the run (tests call mkdtemp freely) lands under one TMPDIR made for the
 *   run: removed when every test passed, kept and named when one failed, so a failure can be read.
 *
 * ava runs with its TAP reporter, translated here into one readable line per test (failures
 * with ava's diagnostics) and a closing `N passed, N failed` line. Arguments are passed to
 * ava (`npm test -- test/config/`). The exit code is ava's.
 */
import { execa, type ResultPromise } from 'execa';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

async function dockerAnswers(env: NodeJS.ProcessEnv): Promise<boolean> {
  const r = await execa('docker', ['version', '--format', '{{.Server.APIVersion}}'], { env, reject: false, timeout: 15_000 });
  return !r.failed && /^\d+\.\d+/.test(String(r.stdout).trim());
}

interface PrivateDaemon {
  host: string;
  stop(): Promise<void>;
}

async function startPrivateDockerd(): Promise<PrivateDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'binfarm-test-dockerd-'));
  const socket = join(dir, 'docker.sock');
  const host = `unix://${socket}`;
  const log = join(dir, 'dockerd.log');
  process.stderr.write(`run-tests: no Docker Engine answers; starting a private dockerd (${host}, log ${log})\n`);
  const child: ResultPromise = execa(
    'dockerd',
    [
      '--host',
      host,
      '--data-root',
      join(dir, 'data'),
      '--exec-root',
      join(dir, 'exec'),
      '--pidfile',
      join(dir, 'dockerd.pid'),
      '--bridge',
      'none',
      '--iptables=false',
      '--ip-masq=false',
    ],
    { reject: false, stdin: 'ignore', stdout: { file: log }, stderr: { file: log } },
  );
  const stop = async () => {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await child;
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null && child.exitCode !== undefined) break;
    if (existsSync(socket) && (await dockerAnswers({ ...process.env, DOCKER_HOST: host }))) return { host, stop };
    await new Promise((r) => setTimeout(r, 200));
  }
  await stop().catch(() => {});
  throw new Error(`the private dockerd did not answer within 30 s; see ${log}`);
}

/** Translates ava's TAP stream into readable lines; returns the counts of the result lines. */
async function formatTap(stream: NodeJS.ReadableStream, out: NodeJS.WritableStream): Promise<{ pass: number; fail: number; skip: number; todo: number }> {
  const counts = { pass: 0, fail: 0, skip: 0, todo: 0 };
  let inDiagnostics = false;
  for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
    if (inDiagnostics) {
      out.write(`      ${line.trim() === '...' ? '' : line.replace(/^ {2}/, '')}\n`);
      if (line.trim() === '...') inDiagnostics = false;
      continue;
    }
    let m: RegExpExecArray | null;
    if ((m = /^(not )?ok \d+ - (.*?)(?: # (SKIP|TODO)\b.*)?$/.exec(line))) {
      const [, not, title, directive] = m;
      const kind = directive === 'SKIP' ? 'skip' : directive === 'TODO' ? 'todo' : not ? 'fail' : 'pass';
      counts[kind]++;
      out.write(kind === 'skip' || kind === 'todo' ? `  - [${kind}] ${title}\n` : `  ${kind === 'fail' ? '✘' : '✔'} ${title}\n`);
    } else if (line.trim() === '---') {
      inDiagnostics = true;
    } else if (/^# (tests|pass|fail|skip|todo) \d+$/.test(line)) {
      // ava's totals; counted from the result lines instead (ava counts a todo as a failure)
    } else if (line.startsWith('#') && !/^# (tests|[^ ]+ › )/.test(line)) {
      out.write(`  ${line}\n`);
    } else if (!/^(TAP version|1\.\.\d+|# )/.test(line) && line.trim()) {
      out.write(`${line}\n`);
    }
  }
  return counts;
}

async function main(): Promise<number> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  let daemon: PrivateDaemon | undefined;
  if (!(await dockerAnswers(env)) && (env.DOCKER_HOST || existsSync('/var/run/docker.sock'))) {
    // A daemon exists but is slow (a loaded machine): wait for it, never start a second dockerd
    // beside it — that can tear down the first one's docker0 bridge.
    process.stderr.write('run-tests: the Docker Engine is slow to answer; waiting up to 60 s\n');
    for (let i = 0; i < 12 && !(await dockerAnswers(env)); i++) await new Promise((r) => setTimeout(r, 5_000));
    if (!(await dockerAnswers(env))) {
      process.stderr.write(
        `run-tests: the Docker Engine at ${env.DOCKER_HOST ?? '/var/run/docker.sock'} does not answer; start it (dockerd) or unset DOCKER_HOST\n`,
      );
      return 1;
    }
  }
  if (!(await dockerAnswers(env))) {
    if (process.getuid?.() !== 0) {
      process.stderr.write(
        'run-tests: no Docker Engine answers (DOCKER_HOST or /var/run/docker.sock), and only root can start one here.\n' +
          'Install and start Docker Engine: `sudo apt-get install docker.io squashfs-tools-ng && sudo systemctl start docker`,\n' +
          'then add yourself to the docker group (`sudo usermod -aG docker $USER`, log in again), or run the tests as root.\n',
      );
      return 1;
    }
    daemon = await startPrivateDockerd();
    env.DOCKER_HOST = daemon.host;
  }
  const missing = ['tar2sqfs', 'docker-registry', 'htpasswd'].filter((t) => !onPath(t));
  if (missing.length) {
    process.stderr.write(
      `run-tests: not installed: ${missing.join(', ')}; tests needing them will fail. Install: apt-get install squashfs-tools-ng docker-registry apache2-utils\n`,
    );
  }

  const runTmp = mkdtempSync(join(tmpdir(), 'binfarm-test-run-'));
  env.TMPDIR = runTmp;
  const stop = async (passed: boolean) => {
    if (passed) rmSync(runTmp, { recursive: true, force: true, maxRetries: 3 });
    else process.stderr.write(`run-tests: the tests' temp files are kept in ${runTmp}\n`);
    await daemon?.stop().catch((e: unknown) => process.stderr.write(`run-tests: stopping dockerd: ${String(e)}\n`));
  };
  const onSignal = (sig: NodeJS.Signals) => {
    ava.kill(sig);
  };
  const ava = execa(process.execPath, [join(root, 'node_modules/ava/entrypoints/cli.mjs'), '--tap', ...process.argv.slice(2)], {
    cwd: root,
    env,
    reject: false,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'inherit',
  });
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let passed = false;
  try {
    const [counts, result] = await Promise.all([formatTap(ava.stdout!, process.stdout), ava]);
    passed = result.exitCode === 0 && counts.fail === 0;
    const extra = [counts.skip ? `, ${counts.skip} skipped` : '', counts.todo ? `, ${counts.todo} todo` : ''].join('');
    process.stdout.write(`\n${counts.pass} passed, ${counts.fail} failed${extra}\n`);
    return result.exitCode ?? 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await stop(passed).catch((e: unknown) => process.stderr.write(`run-tests: cleaning ${runTmp}: ${String(e)}\n`));
  }
}

function onPath(bin: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => d && existsSync(join(d, bin)));
}

process.exitCode = await main();
