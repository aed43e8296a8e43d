/**
 * Keeps downloaded model files in the browser's Cache Storage (`caches.open('gansynth-web-models-v1')`), so a
 * model that loaded once loads again without the network: `cachedFetch(network)` is a FetchFn for loadModel.
 *
 * Strategy per URL: Magenta's hosted checkpoints (IMMUTABLE_MODEL_URL_PREFIXES, published once and never changed)
 * are served cache-first, so a second visit neither waits for nor needs the network; every other URL is
 * network-first (a retrained `models/default` replaces the old one), falling back to the cached copy when the
 * fetch throws (offline, DNS, CORS) or the server answers 5xx/408. A 404 is authoritative and returned as is.
 *
 * Nothing is stored on arrival: a network response carries `keep()`, and loadModel calls it only once the file
 * has validated (JSON parsed and matched against the generator's specs; a shard group's bytes add up), so a
 * truncated shard, an HTML page or an interrupted download is never cached. `keep()` stores 200s, and the 404 of
 * a Magenta checkpoint's absent model.json (so the layout is recognised offline). Only http(s) URLs are cached.
 * Where Cache Storage is missing (Node, an insecure origin) or refuses to open, cachedFetch passes straight through.
 */
import type { FetchFn, ResponseLike } from './model-fetch.ts';

/** Cache Storage cache that holds model files; bump the version to drop every stored model. */
export const MODEL_CACHE_NAME = 'gansynth-web-models-v1';

/** URL prefixes whose files never change (served cache-first): Magenta's hosted GANSynth checkpoints. */
export const IMMUTABLE_MODEL_URL_PREFIXES: readonly string[] = Object.freeze([
  'https://storage.googleapis.com/magentadata/js/checkpoints/',
]);

/** Where a URL is looked up first. */
export type CacheStrategy = 'network-first' | 'cache-first';

/** The part of the DOM `Cache` that cachedFetch uses (Cache Storage in browsers; tests may pass their own). */
export interface ResponseCache {
  match(url: string): Promise<Response | undefined>;
  put(url: string, response: Response): Promise<void>;
}

/** Options of cachedFetch. */
export interface CachedFetchOptions {
  /** Default: `caches.open(MODEL_CACHE_NAME)` where Cache Storage exists, else none (pass-through). */
  cache?: ResponseCache | Promise<ResponseCache> | null;
  /** Default `defaultCacheStrategy` (cache-first for IMMUTABLE_MODEL_URL_PREFIXES, network-first otherwise). */
  strategy?: CacheStrategy | ((absoluteUrl: string) => CacheStrategy);
  /** Base of relative URLs (default: the page's or Worker's location). */
  baseUrl?: string;
}

/** True where Cache Storage exists (a browser window or Worker in a secure context). */
export function modelCacheAvailable(): boolean {
  return typeof (globalThis as { caches?: CacheStorage }).caches?.open === 'function';
}

/** cache-first for Magenta's immutable hosted checkpoints, network-first for every other URL. */
export function defaultCacheStrategy(absoluteUrl: string): CacheStrategy {
  return IMMUTABLE_MODEL_URL_PREFIXES.some((p) => absoluteUrl.startsWith(p)) ? 'cache-first' : 'network-first';
}

/** Deletes every stored model file; resolves false where there was no cache (or no Cache Storage). */
export async function clearModelCache(): Promise<boolean> {
  return modelCacheAvailable() ? (globalThis as unknown as { caches: CacheStorage }).caches.delete(MODEL_CACHE_NAME) : false;
}

function openDefaultCache(): Promise<ResponseCache> | null {
  if (!modelCacheAvailable()) return null;
  return (globalThis as unknown as { caches: CacheStorage }).caches.open(MODEL_CACHE_NAME);
}

function absoluteHttpUrl(url: string, baseUrl: string | undefined): string | null {
  try {
    const u = new URL(url, baseUrl);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

function headersOf(r: ResponseLike): ResponseLike['headers'] {
  return r.headers && typeof r.headers.get === 'function' ? r.headers : undefined;
}

/** A stored Response as a ResponseLike marked `fromCache`. */
function fromCache(r: Response): ResponseLike {
  return {
    ok: r.ok, status: r.status, statusText: r.statusText, headers: r.headers, body: r.body, fromCache: true,
    text: () => r.text(), arrayBuffer: () => r.arrayBuffer(),
  };
}

/**
 * Wraps a network response so that its bytes are recorded as they are read (through `body` or `arrayBuffer()`)
 * and `keep()` can store them; keep() refuses a body that was not read to its end.
 */
function recording(r: ResponseLike, store: (body: Blob | null, r: ResponseLike) => Promise<void>): ResponseLike {
  const chunks: Uint8Array[] = [];
  let complete = false;
  let body: ReadableStream<Uint8Array> | null = null;
  const source = r.body;
  if (source && typeof source.getReader === 'function') {
    const reader = source.getReader();
    body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) {
          complete = true;
          controller.close();
          return;
        }
        chunks.push(value);
        controller.enqueue(value);
      },
      cancel: (reason) => reader.cancel(reason),
    });
  }
  let all: Promise<Uint8Array> | null = null;
  const readAll = (): Promise<Uint8Array> => (all ??= (async () => {
    if (body) {
      const bytes = new Uint8Array(await new Response(body).arrayBuffer());
      return bytes;
    }
    const bytes = new Uint8Array(await r.arrayBuffer());
    chunks.push(bytes);
    complete = true;
    return bytes;
  })());
  return {
    ok: r.ok, status: r.status, statusText: r.statusText, headers: headersOf(r), body,
    text: async () => new TextDecoder().decode(await readAll()),
    arrayBuffer: async () => {
      const b = await readAll();
      return (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b.buffer : b.slice().buffer) as ArrayBuffer;
    },
    keep: async () => {
      if (r.status === 404) return store(null, r);
      if (!complete) throw new Error('response body was not read to its end; not cached');
      const type = headersOf(r)?.get('content-type') ?? 'application/octet-stream';
      return store(new Blob(chunks as BlobPart[], { type }), r);
    },
  };
}

/**
 * A FetchFn over `network` that serves and keeps model files in Cache Storage (see the module comment for the
 * strategy and what is stored). Responses from the network carry `keep()`; those from the cache `fromCache: true`.
 */
export function cachedFetch(network: FetchFn, opts: CachedFetchOptions = {}): FetchFn {
  let cachePromise: Promise<ResponseCache | null> | null = null;
  const cache = (): Promise<ResponseCache | null> => (cachePromise ??= Promise.resolve(opts.cache === undefined ? openDefaultCache() : opts.cache)
    .catch(() => null)); // e.g. a SecurityError in a private window: work without the cache
  const strategyOf = typeof opts.strategy === 'function' ? opts.strategy : () => (opts.strategy as CacheStrategy | undefined);
  const base = opts.baseUrl ?? (globalThis as { location?: { href: string } }).location?.href;
  const match = async (c: ResponseCache, key: string): Promise<Response | undefined> => {
    try {
      return await c.match(key);
    } catch {
      return undefined;
    }
  };
  return async (url) => {
    const key = absoluteHttpUrl(url, base);
    const c = key ? await cache() : null;
    if (!key || !c) return network(url);
    const strategy = strategyOf(key) ?? defaultCacheStrategy(key);
    if (strategy === 'cache-first') {
      const hit = await match(c, key);
      if (hit) return fromCache(hit);
    }
    let r: ResponseLike;
    try {
      r = await network(url);
    } catch (e) {
      const hit = strategy === 'network-first' ? await match(c, key) : undefined;
      if (hit) return fromCache(hit);
      throw e;
    }
    if (strategy === 'network-first' && (r.status >= 500 || r.status === 408)) {
      const hit = await match(c, key);
      if (hit) return fromCache(hit);
    }
    if (r.status !== 200 && r.status !== 404) return r;
    return recording(r, (blob, res) => c.put(key, new Response(blob, {
      status: res.status, statusText: res.statusText ?? '',
      headers: blob ? { 'content-type': blob.type } : {},
    })));
  };
}
