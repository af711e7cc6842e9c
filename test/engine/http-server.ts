/** A real HTTP file server on 127.0.0.1 (node:http) with Last-Modified/304, counting requests. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join, normalize } from 'node:path';

export interface TestHttp {
  url: string;
  requests: Array<{ path: string; status: number }>;
  close(): Promise<void>;
}

export async function serveDir(dir: string): Promise<TestHttp> {
  const requests: TestHttp['requests'] = [];
  const server: Server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    const file = join(dir, path);
    const st = await stat(file).catch(() => undefined);
    if (!st?.isFile()) {
      requests.push({ path, status: 404 });
      res.writeHead(404).end('not found');
      return;
    }
    const since = req.headers['if-modified-since'];
    const mtime = new Date(Math.floor(st.mtimeMs / 1000) * 1000);
    if (since && Date.parse(since) >= mtime.getTime()) {
      requests.push({ path, status: 304 });
      res.writeHead(304).end();
      return;
    }
    requests.push({ path, status: 200 });
    res.writeHead(200, { 'content-length': st.size, 'last-modified': mtime.toUTCString() });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
