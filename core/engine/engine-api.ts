/**
 * The few Engine API calls a run makes whether or not it builds anything (version, image inspect
 * and list, container and volume list), as plain HTTP requests on the engine's socket. Loading
 * dockerode (docker-modem, ssh2, gRPC, protobufjs) costs more than a whole no-op run, so it is
 * imported only when a build, pull, push or removal really happens (docker-engine.ts
 * `dockerode()`). Requests, query strings and errors are the ones dockerode makes and throws
 * (statusCode, reason, json; socket errors keep their `code`), so errors.ts translates both alike.
 */
import { request as httpRequest, type Agent, type IncomingHttpHeaders, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { stringify } from 'node:querystring';
import type Docker from 'dockerode';
import type { DockerOptions } from 'dockerode';

/** Raw Engine API answers, as the daemon sends them (and dockerode passes them on). */
export interface RawImage {
  Id: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
  Size: number;
  Created?: number | string;
  Labels?: Record<string, string> | null;
  Config?: { Labels?: Record<string, string> | null; Cmd?: string | string[] | null; Entrypoint?: string | string[] | null } | null;
  /** Present on inspect (not on list): what the direct assembly needs to extend an image. */
  RootFS?: { Layers?: string[] | null } | null;
  Os?: string;
  Architecture?: string;
}
export interface RawContainer {
  Id: string;
  Labels?: Record<string, string> | null;
}
export interface RawVolume {
  Name: string;
  Labels?: Record<string, string> | null;
}
export type Filters = Record<string, string[]>;

export interface EngineApi {
  version(): Promise<{ Version: string; ApiVersion: string }>;
  inspectImage(ref: string): Promise<RawImage>;
  listImages(filters: Filters): Promise<RawImage[]>;
  listContainers(filters: Filters): Promise<RawContainer[]>;
  listVolumes(filters: Filters): Promise<{ Volumes?: RawVolume[] | null }>;
}

/** dockerode's status texts for these calls (its `statusCodes`), for errors worded like its own. */
const LIST: Record<number, string> = { 400: 'bad parameter', 500: 'server error' };
const INSPECT_IMAGE: Record<number, string> = { 404: 'no such image', 500: 'server error' };
const VERSION: Record<number, string> = { 500: 'server error' };

/**
 * An Engine API client over node:http(s) — for ssh:// engines over the agent of binfarm's SSH
 * transport (core/engine/ssh-transport.ts) — or undefined for options it does not speak: the
 * engine then uses dockerode for these calls too.
 */
export function httpEngineApi(options: DockerOptions): EngineApi | undefined {
  let base: RequestOptions & { ca?: unknown; cert?: unknown; key?: unknown; servername?: string };
  if (options.socketPath) base = { socketPath: options.socketPath as string };
  else if (options.protocol === 'http' || options.protocol === 'https')
    base = { host: options.host, port: options.port, ca: options.ca, cert: options.cert, key: options.key, agent: (options as { agent?: Agent }).agent };
  else return undefined;
  const send = options.protocol === 'https' ? httpsRequest : httpRequest;
  // A TLS server name (SNI) means nothing to plain HTTP, and node:http works one out for each request
  // that has none: net.isIP's IPv6 expression, compiled on its first use, costs a no-op run milliseconds.
  if (options.protocol !== 'https') base.servername = '';

  /** One GET: the answer's status, headers and body (parsed when it is JSON). */
  const exchange = (path: string): Promise<{ status: number; headers: IncomingHttpHeaders; json: unknown; text: string }> =>
    new Promise((resolve, reject) => {
      const req = send({ ...base, method: 'GET', path, headers: { accept: 'application/json' } } as RequestOptions, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = text;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, json, text });
        });
      });
      req.on('error', reject);
      req.end();
    });
  const get = async <T>(reasons: Record<number, string>, path: string, query?: Record<string, string>): Promise<T> => {
    const { status, json, text } = await exchange(`${path}${query ? `?${stringify(query)}` : ''}`);
    if (status === 200) return json as T;
    const reason = reasons[status] ?? 'unexpected';
    const cause = typeof json === 'object' && json && 'message' in json ? (json as { message: string }).message : text;
    throw Object.assign(new Error(`(HTTP code ${status}) ${reason} - ${cause} `), { reason, statusCode: status, json });
  };
  // Docker's daemon names its version and API version in the headers of every answer
  // (`Server: Docker/<version> (<os>)`, `API-Version`), the same values as /version's. /_ping answers
  // at once; /version first asks containerd, runc and docker-init for theirs (~25 ms of a no-op run
  // here). An engine whose ping does not say both (another server, a proxy) is asked /version.
  const version = async (): Promise<{ Version: string; ApiVersion: string }> => {
    const ping = await exchange('/_ping');
    const server = /^Docker\/(\S+)/.exec(String(ping.headers.server ?? ''));
    const apiVersion = ping.headers['api-version'];
    if (ping.status === 200 && server && typeof apiVersion === 'string') return { Version: server[1]!, ApiVersion: apiVersion };
    return get(VERSION, '/version');
  };
  const filtered = (filters: Filters) => ({ filters: JSON.stringify(filters) });

  return {
    version,
    inspectImage: (ref) => get(INSPECT_IMAGE, `/images/${ref}/json`),
    listImages: (filters) => get(LIST, '/images/json', filtered(filters)),
    listContainers: (filters) => get(LIST, '/containers/json', { all: 'true', ...filtered(filters) }),
    listVolumes: (filters) => get(LIST, '/volumes', filtered(filters)),
  };
}

/** The same calls through dockerode, for the transports httpEngineApi does not speak. */
export function dockerodeApi(docker: () => Promise<Docker>): EngineApi {
  return {
    version: async () => (await docker()).version(),
    inspectImage: async (ref) => (await docker()).getImage(ref).inspect() as Promise<RawImage>,
    listImages: async (filters) => (await docker()).listImages({ filters }) as Promise<RawImage[]>,
    listContainers: async (filters) => (await docker()).listContainers({ all: true, filters }),
    listVolumes: async (filters) => (await docker()).listVolumes({ filters }) as Promise<{ Volumes?: RawVolume[] | null }>,
  };
}
