/**
 * A small static file server with the COOP/COEP headers that make a page cross-origin isolated
 * (SharedArrayBuffer). Used by `npm start` and by the browser tests. Serves only under its roots.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wav': 'audio/wav',
  '.mid': 'audio/midi',
  '.map': 'application/json',
};

/** A URL prefix mapped to a folder on disk, e.g. {prefix: '/models/', dir: 'models'}. */
export interface Mount {
  readonly prefix: string;
  readonly dir: string;
}

function send(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
  res.end(text);
}

/** Answers one request: GET/HEAD of a file under a mount, 400 for a malformed path, 405 for other methods. */
async function serve(mounts: readonly Mount[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Cache-Control', 'no-store');
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, `method ${req.method} not allowed`, { Allow: 'GET, HEAD' });
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  } catch {
    return send(res, 400, `malformed URL path: ${req.url}`);
  }
  for (const m of mounts) {
    if (!pathname.startsWith(m.prefix)) continue;
    let file = normalize(join(m.dir, pathname.slice(m.prefix.length)));
    if (file !== m.dir && !file.startsWith(m.dir + sep)) break;
    let body: Buffer;
    try {
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      body = await readFile(file);
    } catch {
      continue;
    }
    res.writeHead(200, { 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream', 'Content-Length': body.byteLength });
    res.end(req.method === 'HEAD' ? undefined : body);
    return;
  }
  send(res, 404, `not found: ${pathname}`);
}

/**
 * Starts serving `mounts` (first match wins) on 127.0.0.1:`port` (0 = any free port). GET and HEAD only (others:
 * 405); a path that does not percent-decode is a 400. Rejects with the listen error (e.g. EADDRINUSE).
 */
export async function startStaticServer(mounts: readonly Mount[], port = 0): Promise<{ server: Server; url: string }> {
  const resolved = mounts.map((m) => ({ prefix: m.prefix, dir: resolve(m.dir) }));
  const server = createServer((req, res) => {
    serve(resolved, req, res).catch((e: unknown) => {
      // A failure after the headers went out can only end the connection; before, it is a 500 naming the cause.
      if (res.headersSent) res.destroy();
      else send(res, 500, `internal error: ${(e as Error)?.message ?? String(e)}`);
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => ok());
  });
  const addr = server.address();
  const actualPort = typeof addr === 'object' && addr ? addr.port : port;
  return { server, url: `http://127.0.0.1:${actualPort}` };
}
