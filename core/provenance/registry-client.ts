/**
 * The few calls of the registry HTTP API (OCI distribution spec; Docker's distribution 2.8
 * implements them) that attestations need and the Engine API does not offer: blob upload,
 * manifest put and get, blob get. Auth as registries ask for it in `WWW-Authenticate`: Basic
 * (htpasswd) or a Bearer token from the realm. Loopback registries speak plain HTTP (as the
 * Docker daemon treats 127.0.0.0/8 as insecure); others HTTPS, unless the URL says `http://`.
 */
import { createHash } from 'node:crypto';
import { BinfarmError } from '../errors.ts';
import type { RegistryAuth } from '../engine/types.ts';

export interface RegistryClient {
  readonly host: string;
  /** Uploads a blob unless the registry has it; returns its `sha256:<hex>` digest. */
  putBlob(repo: string, bytes: Uint8Array): Promise<string>;
  putManifest(repo: string, reference: string, body: string, mediaType: string): Promise<string>;
  /** undefined when the registry has no such manifest (404). */
  getManifest(repo: string, reference: string): Promise<{ digest: string; mediaType: string; body: Buffer } | undefined>;
  /** The blob, checked against its digest. */
  getBlob(repo: string, digest: string): Promise<Buffer>;
}

const ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

function baseUrl(host: string, scheme?: string): string {
  if (scheme) return `${scheme}://${host}`;
  const name = host.replace(/:\d+$/, '');
  return /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(name) ? `http://${host}` : `https://${host}`;
}

function basic(auth: RegistryAuth): string {
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
}

export function registryClient(opts: { host: string; scheme?: 'http' | 'https'; auth?: RegistryAuth }): RegistryClient {
  const base = baseUrl(opts.host, opts.scheme);
  const tokens = new Map<string, string>();

  async function bearer(challenge: string, scope: string): Promise<string> {
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    if (!params.realm) throw new BinfarmError('E_AUTH', `registry ${opts.host} asked for a token without a realm: ${challenge}`);
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set('service', params.service);
    url.searchParams.set('scope', scope);
    const headers: Record<string, string> = {};
    if (opts.auth?.username) headers.Authorization = basic(opts.auth);
    const r = await fetch(url, { headers });
    if (!r.ok)
      throw new BinfarmError('E_AUTH', `registry ${opts.host}: the token service ${url.origin} answered ${r.status}`, {
        hint: 'Check registry.username/password or `docker login`.',
      });
    const j = (await r.json()) as { token?: string; access_token?: string };
    return `Bearer ${j.token ?? j.access_token ?? ''}`;
  }

  async function request(
    method: string,
    path: string,
    repo: string,
    init: { headers?: Record<string, string>; body?: Uint8Array | string } = {},
  ): Promise<Response> {
    const scope = `repository:${repo}:pull${method === 'GET' || method === 'HEAD' ? '' : ',push'}`;
    const url = path.startsWith('http') ? path : `${base}${path}`;
    const send = (authz?: string) =>
      fetch(url, {
        method,
        headers: { ...(init.headers ?? {}), ...(authz ? { Authorization: authz } : {}) },
        ...(init.body !== undefined ? { body: init.body } : {}),
      });
    let r = await send(tokens.get(scope));
    if (r.status !== 401) return r;
    const challenge = r.headers.get('www-authenticate') ?? '';
    await r.body?.cancel();
    let authz: string;
    if (/^bearer/i.test(challenge)) authz = await bearer(challenge, scope);
    else if (opts.auth?.username) authz = basic(opts.auth);
    else
      throw new BinfarmError('E_AUTH', `registry ${opts.host} wants credentials for ${repo}`, {
        hint: 'Set registry.username and registry.password, or `docker login`.',
      });
    tokens.set(scope, authz);
    r = await send(authz);
    if (r.status === 401)
      throw new BinfarmError('E_AUTH', `registry ${opts.host} refused the credentials for ${repo}`, {
        hint: 'Check registry.username/password or `docker login`.',
      });
    return r;
  }

  async function fail(r: Response, what: string): Promise<never> {
    const text = (await r.text().catch(() => '')).trim().slice(0, 300);
    throw new BinfarmError('E_PUBLISH', `registry ${opts.host}: ${what} failed (HTTP ${r.status})${text ? `: ${text}` : ''}`);
  }

  return {
    host: opts.host,
    async putBlob(repo, bytes) {
      const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
      const head = await request('HEAD', `/v2/${repo}/blobs/${digest}`, repo);
      if (head.ok) return digest;
      const start = await request('POST', `/v2/${repo}/blobs/uploads/`, repo);
      if (start.status !== 202) return fail(start, `starting a blob upload to ${repo}`);
      const loc = new URL(start.headers.get('location') ?? '', base);
      loc.searchParams.set('digest', digest);
      const put = await request('PUT', loc.toString(), repo, { headers: { 'Content-Type': 'application/octet-stream' }, body: bytes });
      if (put.status !== 201) return fail(put, `uploading blob ${digest} to ${repo}`);
      return digest;
    },
    async putManifest(repo, reference, body, mediaType) {
      const r = await request('PUT', `/v2/${repo}/manifests/${reference}`, repo, { headers: { 'Content-Type': mediaType }, body });
      if (r.status !== 201) return fail(r, `putting manifest ${repo}:${reference}`);
      return r.headers.get('docker-content-digest') ?? `sha256:${createHash('sha256').update(body).digest('hex')}`;
    },
    async getManifest(repo, reference) {
      const r = await request('GET', `/v2/${repo}/manifests/${reference}`, repo, { headers: { Accept: ACCEPT } });
      if (r.status === 404) return undefined;
      if (!r.ok) return fail(r, `reading manifest ${repo}:${reference}`);
      const body = Buffer.from(await r.arrayBuffer());
      const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
      return { digest, mediaType: r.headers.get('content-type') ?? '', body };
    },
    async getBlob(repo, digest) {
      const r = await request('GET', `/v2/${repo}/blobs/${digest}`, repo);
      if (!r.ok) return fail(r, `reading blob ${digest} of ${repo}`);
      const body = Buffer.from(await r.arrayBuffer());
      const got = `sha256:${createHash('sha256').update(body).digest('hex')}`;
      if (got !== digest) throw new BinfarmError('E_DIGEST', `registry ${opts.host}: blob ${digest} of ${repo} has digest ${got}`);
      return body;
    },
  };
}
