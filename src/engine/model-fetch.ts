/**
 * The loader's I/O seam and its failures: FetchFn / ResponseLike (the part of fetch that loadModel uses, so Node,
 * chosen files and Cache Storage can stand in for the network), and reads that fail with a message naming the URL:
 * a network error or CORS refusal, an HTTP status, an HTML page where JSON or weights were expected (a server's
 * index.html fallback answers 200), a download cut off mid-body. Byte progress is reported as a body streams in.
 */

/** The part of a fetch Response that loadModel uses (so Node can supply a file reader). */
export interface ResponseLike {
  ok: boolean;
  status: number;
  statusText?: string;
  text(): Promise<string>;
  arrayBuffer(): Promise<ArrayBuffer>;
  /** Response headers; `content-type` tells an HTML page from a model file. Optional for file readers. */
  headers?: { get(name: string): string | null } | undefined;
  /** The body as a stream (fetch's Response has one): read chunk by chunk for byte progress. Optional. */
  body?: ReadableStream<Uint8Array> | null;
  /** Set by cachedFetch on network responses: stores the file for offline use. loadModel calls it once the file validated. */
  keep?(): Promise<void>;
  /** Set by cachedFetch when the response came from Cache Storage. */
  fromCache?: boolean;
}

/** Fetches a URL or path. Must resolve with status 404 (not reject) for a missing file. */
export type FetchFn = (url: string) => Promise<ResponseLike>;

/** `file` relative to directory `base` (absolute URLs and rooted paths are kept as they are). */
export function joinUrl(base: string, file: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(file) || file.startsWith('/')) return file;
  return base === '' ? file : `${base.replace(/\/+$/, '')}/${file}`;
}

/**
 * A fetch failure whose message already names the URL and the cause in words (Node's http fetch: "URL: connection
 * refused (…)"); fetchResponse passes it on as it is.
 */
export class FetchFailure extends Error {
  override name = 'FetchFailure';
}

/** fetchFn(url); a rejection (fetch's TypeError for a network failure or a CORS refusal) becomes an error naming the URL. */
export async function fetchResponse(fetchFn: FetchFn, url: string): Promise<ResponseLike> {
  try {
    return await fetchFn(url);
  } catch (e) {
    if (e instanceof FetchFailure) throw e;
    throw new Error(`${url}: fetch failed (network error or CORS refusal): ${(e as Error)?.message ?? String(e)}`);
  }
}

/** "URL: HTTP 404 Not Found" (+ context). */
export function httpError(url: string, r: ResponseLike, context = ''): Error {
  return new Error(`${url}: HTTP ${r.status}${r.statusText ? ` ${r.statusText}` : ''}${context ? ` (${context})` : ''}`);
}

/** fetchResponse, failing on any status but 2xx. */
export async function fetchOk(fetchFn: FetchFn, url: string, context = ''): Promise<ResponseLike> {
  const r = await fetchResponse(fetchFn, url);
  if (!r.ok) throw httpError(url, r, context);
  return r;
}

/** The response's content-length header ('' when absent or unreadable). */
function contentLength(r: ResponseLike): string {
  try {
    return r.headers?.get('content-length') ?? '';
  } catch {
    return '';
  }
}

function contentType(r: ResponseLike): string {
  try {
    return r.headers?.get('content-type') ?? '';
  } catch {
    return '';
  }
}

/** How an HTML document starts (strict: shards are binary, and random floats must not look like one). */
const HTML_DOCUMENT_START = /^\ufeff?\s*<(!doctype\s+html|html[\s>])/i;
/** JSON never starts with '<': any markup there is a web page (or an XML error document). */
const MARKUP_START = /^\ufeff?\s*</;

/**
 * True when the response says it is HTML or its first characters are markup (`json`: any leading '<', since
 * JSON cannot start with one; otherwise only an HTML document's start, since a shard is binary).
 */
export function isHtml(r: ResponseLike, start: string, json = false): boolean {
  return /text\/html/i.test(contentType(r)) || (json ? MARKUP_START : HTML_DOCUMENT_START).test(start);
}

/** An HTML page served where a model file was expected. */
export class HtmlResponseError extends Error {
  constructor(readonly url: string, r: ResponseLike, expected: 'JSON' | 'weights') {
    const ct = contentType(r);
    super(
      `${url}: got HTML, not ${expected} (HTTP ${r.status}${ct ? `, content-type ${ct}` : ''}): the server answered with a web page, ` +
      'e.g. its index.html for a missing file; check the model URL',
    );
    this.name = 'HtmlResponseError';
  }
}

/** The body as text; throws HtmlResponseError when it is an HTML page. JSON syntax is checked by the parser. */
export async function readJsonText(r: ResponseLike, url: string): Promise<string> {
  let text: string;
  try {
    text = await r.text();
  } catch (e) {
    throw new Error(`${url}: download interrupted (${(e as Error).message})`);
  }
  if (isHtml(r, text.slice(0, 64), true)) throw new HtmlResponseError(url, r, 'JSON');
  return text;
}

/**
 * The whole body as bytes, streamed when the response has a body stream (`onBytes(n)` per chunk, for progress),
 * else read at once. Throws naming the URL when the download breaks off or the body is an HTML page.
 */
export async function readBytes(r: ResponseLike, url: string, onBytes?: (bytes: number) => void): Promise<Uint8Array> {
  let bytes: Uint8Array;
  let got = 0;
  try {
    const body = r.body;
    if (body && typeof body.getReader === 'function') {
      const reader = body.getReader();
      const chunks: Uint8Array[] = [];
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        got += value.byteLength;
        onBytes?.(value.byteLength);
      }
      bytes = chunks.length === 1 ? chunks[0]! : new Uint8Array(got);
      if (chunks.length !== 1) {
        let at = 0;
        for (const c of chunks) {
          bytes.set(c, at);
          at += c.byteLength;
        }
      }
    } else {
      bytes = new Uint8Array(await r.arrayBuffer());
      onBytes?.(bytes.byteLength);
    }
  } catch (e) {
    const announced = Number(contentLength(r));
    const of = Number.isInteger(announced) && announced > got ? `; the server announced ${announced} bytes` : '';
    throw new Error(`${url}: download interrupted after ${got} bytes (${(e as Error).message})${of}`);
  }
  const start = new TextDecoder().decode(bytes.subarray(0, 64));
  if (isHtml(r, start)) throw new HtmlResponseError(url, r, 'weights');
  return bytes;
}
