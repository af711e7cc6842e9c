import { defineCheck } from '../types.ts';

/** Credentials for `registry.url`, from the config/environment or the Docker config (docker login). */
export const registryCheck = defineCheck({
  id: 'registry',
  title: 'registry credentials',
  async run(ctx) {
    const reg = ctx.options.registry;
    if (!reg) return { status: 'ok', summary: 'no registry configured (images stay local; set registry.url to publish)' };
    const host = reg.url.split('/')[0]!;
    if (reg.username && reg.password) return { status: 'ok', summary: `${host}: user "${reg.username}" from the binfarm config/environment` };
    if (reg.username || reg.password) {
      const missing = reg.username ? 'registry.password' : 'registry.username';
      return {
        status: 'warn',
        summary: `${host}: ${missing} is not set (the other half is)`,
        hint: `Set ${missing} (or BINFARM_${missing.toUpperCase().replace('.', '__')}), or remove both and use \`docker login ${host}\`.`,
      };
    }
    try {
      const { resolveRegistryAuth, dockerConfigPath } = await import('../../engine/registry-auth.ts');
      const auth = await resolveRegistryAuth(host, ctx.env);
      if (auth) return { status: 'ok', summary: `${host}: ${auth.username ? `user "${auth.username}"` : 'token'} from ${dockerConfigPath(ctx.env)}` };
      return {
        status: 'warn',
        summary: `${host}: no credentials found (pushes work only if the registry allows anonymous pushes)`,
        hint: `Run \`docker login ${host}\`, or set BINFARM_REGISTRY__USERNAME and BINFARM_REGISTRY__PASSWORD.`,
      };
    } catch (e) {
      return {
        status: 'fail',
        summary: `${host}: ${e instanceof Error ? e.message : String(e)}`,
        hint: (e as { hint?: string }).hint ?? `Run \`docker login ${host}\` again.`,
      };
    }
  },
});
