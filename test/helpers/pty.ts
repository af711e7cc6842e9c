/**
 * Runs a command under a real pseudo-terminal with util-linux `script`, as a user's terminal
 * would: the command sees a TTY on stdin/stdout/stderr and is the foreground process group of
 * the pty, so writing ^C (0x03) to `script`'s stdin (forwarded to the pty master) makes the
 * terminal's line discipline send SIGINT to that whole group — exactly what Ctrl-C does.
 */
import { spawn } from 'node:child_process';

export interface PtyProcess {
  /** Everything written to the terminal so far (raw, with escape sequences). */
  screen(): string;
  /** Resolves when the screen matches, rejects when the command exits first or after `ms`. */
  waitFor(re: RegExp, ms?: number): Promise<void>;
  /** Types Ctrl-C into the terminal. */
  ctrlC(): void;
  /** Types text into the terminal (`\r` is Enter). */
  type(text: string): void;
  /** The command's exit code (`script -e` passes it through; a signal death is 128+n). */
  exited: Promise<number>;
  kill(): void;
}

/** `script -c` takes one shell line: quote every argument so none is interpreted. */
function shellLine(argv: string[]): string {
  return argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
}

export function runInPty(argv: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; columns?: number; rows?: number }): PtyProcess {
  // `stty` first: a pty starts at 0x0, and a live display needs a width. `exec` keeps the
  // command itself as the pty's foreground process group.
  const line = `stty cols ${opts.columns ?? 160} rows ${opts.rows ?? 50}; exec ${shellLine(argv)}`;
  const child = spawn('script', ['-qfec', line, '/dev/null'], { cwd: opts.cwd, env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString('utf8');
    for (const w of waiters) w();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number>((resolve) => {
    child.on('close', (code, signal) => {
      for (const w of waiters) w();
      resolve(code ?? (signal ? 128 : -1));
    });
  });
  let done = false;
  void exited.then(() => (done = true));
  return {
    screen: () => out,
    waitFor(re, ms = 150_000) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`timed out waiting for ${re} on the terminal:\n${out.slice(-3000)}`)), ms);
        const check = () => {
          if (re.test(out)) finish();
          else if (done) finish(new Error(`exited before ${re} appeared on the terminal:\n${out.slice(-3000)}`));
        };
        const finish = (e?: Error) => {
          clearTimeout(timer);
          waiters.delete(check);
          if (e) reject(e);
          else resolve();
        };
        waiters.add(check);
        void exited.then(check);
        check();
      });
    },
    ctrlC: () => child.stdin.write('\x03'),
    type: (text) => child.stdin.write(text),
    exited,
    kill: () => {
      if (!done) child.kill('SIGKILL');
    },
  };
}
