/**
 * A small static file server with the COOP/COEP headers that make a page cross-origin isolated
 * (SharedArrayBuffer). Used by `npm start` and by the browser tests. Serves only under its roots.
 */
import { createServer, type Server } from 'node:http';
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

/** Starts serving `mounts` (first match wins) on 127.0.0.1:`port` (0 = any free port). */
export async function startStaticServer(mounts: readonly Mount[], port = 0): Promise<{ server: Server; url: string }> {
  const resolved = mounts.map((m) => ({ prefix: m.prefix, dir: resolve(m.dir) }));
  const server = createServer(async (req, res) => {
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('Cache-Control', 'no-store');
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    for (const m of resolved) {
      if (!pathname.startsWith(m.prefix)) continue;
      let file = normalize(join(m.dir, pathname.slice(m.prefix.length)));
      if (file !== m.dir && !file.startsWith(m.dir + sep)) break;
      try {
        if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
        const body = await readFile(file);
        res.writeHead(200, { 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream' });
        res.end(body);
        return;
      } catch {
        continue;
      }
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end(`not found: ${pathname}`);
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => ok());
  });
  const addr = server.address();
  const actualPort = typeof addr === 'object' && addr ? addr.port : port;
  return { server, url: `http://127.0.0.1:${actualPort}` };
}
