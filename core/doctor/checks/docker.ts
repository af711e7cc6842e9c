import { isBinfarmError } from '../../errors.ts';
import { defineCheck } from '../types.ts';

/** The Docker Engine answers, and speaks a new enough API. */
export const dockerCheck = defineCheck({
  id: 'docker',
  title: 'Docker Engine',
  async run(ctx) {
    const [{ resolveConnection, compareApiVersions }, { default: Docker }] = await Promise.all([import('../../engine/connect.ts'), import('dockerode')]);
    let display = ctx.options.docker.host ?? ctx.env.DOCKER_HOST ?? 'the default socket';
    try {
      const conn = resolveConnection(ctx.options.docker, ctx.env, ctx.rootDir);
      display = conn.display;
      const docker = new Docker(conn.options);
      const v = await withTimeout(docker.version(), 10_000);
      const min = ctx.options.docker.minApiVersion;
      const summary = `Docker ${v.Version} (API ${v.ApiVersion}) at ${display}`;
      if (compareApiVersions(v.ApiVersion, min) < 0) {
        return { status: 'fail', summary: `${summary}: binfarm needs API ${min} or newer`, hint: 'Upgrade Docker Engine to 20.10 or newer.' };
      }
      if (!conn.local) {
        // A remote engine changes how builds run; say so, as the run will (docs/scale-out.md#remote-single-engines).
        return {
          status: 'ok',
          summary: `${summary}, not on this machine${ctx.options.run.executor === 'swarm' ? '' : ': builds run there with no host bind mount (the remote executor)'}`,
          details: { version: v.Version, apiVersion: v.ApiVersion, host: display, local: false },
        };
      }
      return { status: 'ok', summary, details: { version: v.Version, apiVersion: v.ApiVersion, host: display } };
    } catch (e) {
      // binfarm's own errors (the ssh:// transport's: host key, login, docker CLI on the host) say what is wrong and what to do.
      if (isBinfarmError(e)) return { status: 'fail', summary: e.message, ...(e.hint ? { hint: e.hint } : {}), details: { host: display, ...e.details } };
      const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
      return {
        status: 'fail',
        summary: `no Docker Engine answers at ${display}: ${why}`,
        hint: ctx.isRoot
          ? 'Install and start it: `apt-get install docker.io && systemctl start docker` (or run `dockerd &`), or point DOCKER_HOST at a running engine.'
          : 'Start Docker Engine, add yourself to the docker group (`sudo usermod -aG docker $USER`, then log in again), or set DOCKER_HOST.',
      };
    }
  },
});

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms)));
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
