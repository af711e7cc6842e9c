/** Volume operations of the Docker adapter: create (the run's, or a cache that outlives it), remove, list. */
import type { DockerSession } from './docker-session.ts';
import type { Filters } from './engine-api.ts';
import { cacheLabels } from './labels.ts';

export async function createVolume(
  d: DockerSession,
  name: string,
  opts: { driver?: string; driverOpts?: Record<string, string>; labels?: Record<string, string>; cache?: string } = {},
): Promise<string> {
  const labels = opts.cache ? { ...opts.labels, ...cacheLabels(opts.cache) } : d.labels(opts.labels);
  try {
    const v = await (await d.dockerode()).createVolume({ Name: name, Driver: opts.driver ?? 'local', DriverOpts: opts.driverOpts ?? {}, Labels: labels });
    return (v as unknown as { Name?: string }).Name ?? name;
  } catch (e) {
    d.fail(e, `create volume ${name}`);
  }
}

export async function removeVolume(d: DockerSession, name: string): Promise<void> {
  try {
    await (await d.dockerode()).getVolume(name).remove();
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return;
    d.fail(e, `remove volume ${name}`);
  }
}

export async function listVolumes(
  d: DockerSession,
  filters: { label?: string[]; name?: string[] },
): Promise<Array<{ name: string; labels: Record<string, string> }>> {
  try {
    const res = await d.api.listVolumes(filters as Filters);
    return (res.Volumes ?? []).map((v) => ({ name: v.Name, labels: (v.Labels as Record<string, string> | null) ?? {} }));
  } catch (e) {
    d.fail(e, 'list volumes');
  }
}
