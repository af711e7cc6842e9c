/**
 * What the remote executor needs before any subject builds, each refusal with its fix: an engine
 * that is not on this machine (a local one builds faster with binds: the local executor), an address
 * of this machine the engine's containers reach (swarm.listen: binfarm serves the binhost there),
 * and no binpkg signing (the signed partition's index is regenerated in a build container that
 * binds it; docs/scale-out.md#remote-single-engines).
 */
import type { RunContext } from '../../types.ts';

export async function remoteUnavailable(run: RunContext): Promise<string | undefined> {
  const o = run.options;
  const engine = await run.engine();
  if (engine.local)
    return `the engine at ${engine.host} is on this machine: the local executor builds there (run.executor: 'local'), binding the binhost directly`;
  if (!o.swarm.listen) {
    return 'it needs swarm.listen: an address of this machine that containers on the engine reach, where binfarm serves them the binhost (e.g. swarm: { listen: "10.0.0.5:8470" })';
  }
  if (o.binhost.signing) return 'binhost.signing is not supported on a remote engine yet: run binfarm on the Docker host to sign binpkgs';
  return undefined;
}
