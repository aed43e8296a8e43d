/**
 * Model downloads in Node (src/node/model-io.ts nodeFetch) against real local HTTP servers that misbehave: one
 * that accepts connections and never answers, one that answers and then stalls, a closed port, a redirect loop,
 * a body cut short. Each fails fast (a timeout with an option, `--fetch-timeout-sec` in the CLI) with a message
 * that names the URL and the cause, instead of `fetch failed (fetch failed)` after five minutes.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { TINY_CONFIG } from '../../src/shared/model-config.ts';
import { initGeneratorParams } from '../../src/engine/generator.ts';
import { loadModelFromDisk, saveModelDir } from '../../src/node/model-io.ts';
import { useNodeBackend } from '../../src/node/backends.ts';
import { runCli } from '../../src/node/cli/index.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const MODEL = join(ROOT, '.test-out/model-io-fetch/tiny');
/** Anything slower than this is the old hang (undici's 300 s headers timeout), not our 1 s timeout. */
const PATIENCE_MS = 15_000;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const servers: Server[] = [];
const sockets = new Set<Socket>();

async function serve(handler: Handler): Promise<string> {
  const server = createServer(handler);
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

/** `p`'s rejection message, or a failure when it resolves or takes longer than PATIENCE_MS. */
async function failureOf(p: Promise<unknown>): Promise<{ message: string; ms: number }> {
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const patience = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`still waiting after ${PATIENCE_MS} ms`)), PATIENCE_MS);
  });
  try {
    await Promise.race([p, patience]);
  } catch (e) {
    if ((e as Error).message.startsWith('still waiting')) throw e;
    return { message: (e as Error).message, ms: performance.now() - t0 };
  } finally {
    clearTimeout(timer);
  }
  throw new Error('expected a failure, got a result');
}

/** Serves the tiny model's files; `tweak` may take over a request first. */
function modelFiles(tweak?: (path: string, res: ServerResponse) => boolean): Handler {
  return (req, res) => {
    const path = new URL(req.url!, 'http://x').pathname;
    if (tweak?.(path, res)) return;
    try {
      const bytes = readFileSync(join(MODEL, path.replace(/^\/m\//, '')));
      res.writeHead(200, { 'content-length': bytes.byteLength }).end(bytes);
    } catch {
      res.writeHead(404).end();
    }
  };
}

before(async () => {
  await useNodeBackend('wasm');
  const params = initGeneratorParams(TINY_CONFIG, 8);
  await saveModelDir(MODEL, { config: TINY_CONFIG, params, meta: { name: 'fetch test' } });
  tf.dispose(Object.values(params));
});

after(() => {
  for (const s of sockets) s.destroy();
  for (const s of servers) s.close();
});

test('a server that accepts and never answers: "no response within 1 s", naming the URL, in about a second', async () => {
  const url = await serve(() => undefined);
  const f = await failureOf(loadModelFromDisk(`${url}/m`, { fetchTimeoutSec: 1 }));
  assert.equal(f.message, `${url}/m/model.json: no response within 1 s (timed out; the CLI's --fetch-timeout-sec sets the limit)`);
  assert.ok(f.ms < 5000, `${f.ms} ms`);
});

test('a download that stalls mid-body: "no data for 1 s" after the bytes that came', async () => {
  const url = await serve(modelFiles((path, res) => {
    if (!path.endsWith('.bin')) return false;
    res.writeHead(200, { 'content-length': 100_000 });
    res.write(new Uint8Array(1000));
    return true; // and never more
  }));
  const f = await failureOf(loadModelFromDisk(`${url}/m`, { fetchTimeoutSec: 1 }));
  assert.match(f.message, new RegExp(`^${url}/m/group1-shard1of1\\.bin: download interrupted after 1000 bytes \\(no data for 1 s \\(timed out; the CLI's --fetch-timeout-sec sets the limit\\)\\); the server announced 100000`));
});

test('connection refused, a redirect loop and a body cut short each say so, with the URL', async () => {
  const closed = await serve(() => undefined);
  await new Promise((ok) => servers.pop()!.close(ok));
  const refused = await failureOf(loadModelFromDisk(`${closed}/m`, { fetchTimeoutSec: 5 }));
  assert.match(refused.message, new RegExp(`^${closed}/m/model\\.json: connection refused \\(ECONNREFUSED 127\\.0\\.0\\.1:\\d+\\)$`));

  const loop = await serve((req, res) => res.writeHead(302, { location: req.url! }).end());
  const redirect = await failureOf(loadModelFromDisk(`${loop}/m`, { fetchTimeoutSec: 5 }));
  assert.equal(redirect.message, `${loop}/m/model.json: redirect loop (more than 20 redirects)`);

  const cut = await serve(modelFiles((path, res) => {
    if (!path.endsWith('.bin')) return false;
    res.writeHead(200, { 'content-length': 100_000 });
    res.write(new Uint8Array(1000), () => res.socket?.destroy());
    return true;
  }));
  const short = await failureOf(loadModelFromDisk(`${cut}/m`, { fetchTimeoutSec: 5 }));
  assert.match(short.message, new RegExp(`^${cut}/m/group1-shard1of1\\.bin: download interrupted after 1000 bytes \\(the server closed the connection`));
  assert.match(short.message, /; the server announced 100000 bytes$/);
});

test('gansynth generate --fetch-timeout-sec 1 against a silent server: exit 1 in seconds with the URL; bad values are usage errors', async () => {
  const url = await serve(() => undefined);
  const err: string[] = [];
  const io = { out: () => undefined, err: (l: string) => err.push(l) };
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([
    runCli(['generate', '--model', `${url}/m`, '--out', join(MODEL, '..', 'wavs'), '--backend', 'wasm', '--fetch-timeout-sec', '1'], io),
    new Promise<number>((ok) => (timer = setTimeout(() => ok(-1), PATIENCE_MS))),
  ]).finally(() => clearTimeout(timer));
  assert.equal(code, 1, `exit code (-1: still waiting after ${PATIENCE_MS} ms); ${err.join('\n')}`);
  assert.ok(performance.now() - t0 < 8000);
  assert.equal(err[0], `gansynth generate: ${url}/m/model.json: no response within 1 s (timed out; the CLI's --fetch-timeout-sec sets the limit)`);
  const why: Record<string, string> = { '0': 'in 0.1..300, got 0', '-1': 'in 0.1..300, got -1', soon: "a number, got 'soon'", '1e9': 'in 0.1..300, got 1000000000' };
  for (const [bad, reason] of Object.entries(why)) {
    const e: string[] = [];
    assert.equal(await runCli(['generate', '--model', `${url}/m`, '--out', 'x', `--fetch-timeout-sec=${bad}`], { out: () => undefined, err: (l) => e.push(l) }), 2, bad);
    assert.equal(e[0], `gansynth generate: --fetch-timeout-sec must be ${reason}`);
  }
});
