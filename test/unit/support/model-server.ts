/**
 * In-memory model hosting for the loader tests: a FetchFn (our I/O seam, see model-fetch.ts) that answers with
 * real fetch `Response`s (body streams, headers) from a map of files, can go offline (fetch's TypeError, as for a
 * network error or a CORS refusal) or serve a file differently (an HTML fallback page, a cut-off shard); and a
 * ResponseCache kept in memory, the store cachedFetch uses (Cache Storage in browsers). Plus an encoder for a
 * seeded model directory, so tests make their own checkpoints.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../../../src/shared/model-config.ts';
import { generatorParamSpecs, initGeneratorParams } from '../../../src/engine/generator.ts';
import { type EncodeOptions, MODEL_JSON, WEIGHTS_MANIFEST_JSON, encodeModelDir, readParamValues } from '../../../src/engine/model-format.ts';
import type { FetchFn } from '../../../src/engine/model-fetch.ts';
import type { ResponseCache } from '../../../src/engine/model-cache.ts';
import { SeededRandom } from '../../../src/shared/random.ts';

/** The page a single-page app's server returns for every unknown path. */
export const INDEX_HTML = '<!DOCTYPE html>\n<html><head><title>app</title></head><body><div id="app"></div></body></html>\n';

/** Files by absolute URL; answers like a static web server. */
export class MemoryServer {
  readonly files = new Map<string, Uint8Array>();
  /** URLs asked for, in order. */
  readonly requests: string[] = [];
  /** False: every fetch rejects with a TypeError, as fetch does offline or on a CORS refusal. */
  online = true;
  /** Serve every unknown path as INDEX_HTML with status 200 (a SPA fallback) instead of 404. */
  spaFallback = false;
  /** Responses that replace a file's (e.g. a cut-off body), by URL. */
  readonly overrides = new Map<string, () => Response>();

  /** Adds `files` (name → bytes or text) under directory URL `dir`. */
  put(dir: string, files: ReadonlyMap<string, Uint8Array | string>): void {
    for (const [name, v] of files) this.files.set(`${dir.replace(/\/+$/, '')}/${name}`, typeof v === 'string' ? new TextEncoder().encode(v) : v);
  }

  readonly fetch: FetchFn = async (url) => {
    this.requests.push(url);
    if (!this.online) throw new TypeError('fetch failed');
    const override = this.overrides.get(url);
    if (override) return override();
    const bytes = this.files.get(url);
    if (!bytes) {
      return this.spaFallback
        ? new Response(INDEX_HTML, { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' } })
        : new Response('Not Found', { status: 404, statusText: 'Not Found', headers: { 'content-type': 'text/plain' } });
    }
    const type = url.endsWith('.json') ? 'application/json' : 'application/octet-stream';
    return new Response(chunked(bytes, 4096), { status: 200, headers: { 'content-type': type, 'content-length': String(bytes.byteLength) } });
  };
}

/** `bytes` as a body stream in chunks of `chunkBytes` (as a network delivers a large file). */
export function chunked(bytes: Uint8Array, chunkBytes: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (at >= bytes.byteLength) {
        c.close();
        return;
      }
      c.enqueue(bytes.slice(at, at + chunkBytes));
      at += chunkBytes;
    },
  });
}

/** A body that delivers `bytes` and then fails, as a connection dropped mid-download does. */
export function brokenBody(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let sent = false;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (sent) {
        c.error(new TypeError('terminated'));
        return;
      }
      sent = true;
      c.enqueue(bytes);
    },
  });
}

/** A ResponseCache in memory: stored responses by URL, each match a fresh clone. */
export class MemoryResponseCache implements ResponseCache {
  readonly stored = new Map<string, Response>();

  async match(url: string): Promise<Response | undefined> {
    return this.stored.get(url)?.clone();
  }

  async put(url: string, response: Response): Promise<void> {
    // Read the body now, as Cache Storage does, so a later clone is independent of the caller's stream.
    const bytes = new Uint8Array(await response.arrayBuffer());
    this.stored.set(url, new Response(response.status === 404 ? null : bytes, { status: response.status, statusText: response.statusText, headers: response.headers }));
  }
}

/** A seeded model's parameters (the caller disposes them) and its directory's files in memory. */
export async function seededModelFiles(
  config: ModelConfig, seed: number, opts: EncodeOptions & { magentaLayout?: boolean } = {},
): Promise<{ params: Record<string, tf.Tensor>; files: Map<string, Uint8Array | string> }> {
  const params = initGeneratorParams(config, seed);
  const specs = generatorParamSpecs(config);
  // Non-zero biases, so that zero-exact quantisation cannot hide a wrong offset.
  const rng = new SeededRandom(seed + 1000);
  for (const s of specs) {
    if (s.kind === 'bias') {
      params[s.name]!.dispose();
      params[s.name] = tf.tensor(rng.normals(s.shape[0]!).map((x) => 0.1 * x), s.shape, 'float32');
    }
  }
  const values = await readParamValues(params, specs);
  const enc = encodeModelDir(specs, values, { config, normalization: config.normalization, meta: { name: `seeded ${seed}` } }, { ...opts, emaSuffix: opts.magentaLayout });
  const files = new Map<string, Uint8Array | string>(enc.shards);
  files.set(WEIGHTS_MANIFEST_JSON, JSON.stringify(enc.manifest));
  if (!opts.magentaLayout) files.set(MODEL_JSON, JSON.stringify(enc.modelJson));
  return { params, files };
}
