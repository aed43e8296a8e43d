/**
 * Model downloads over http(s) in Node, with a watchdog and plain-words failures. Node's fetch (undici) waits 300 s
 * for a server that accepted the connection and never answers, then says `fetch failed`; here a download fails once
 * nothing arrived for `timeoutSec` (no response, or a body that stalls), and every failure names the URL and the
 * cause: connection refused, host not found, redirect loop, the server closing the connection mid-body.
 */
import { FetchFailure, type FetchFn, type ResponseLike } from '../engine/model-fetch.ts';

/** Seconds without progress before a download is given up, unless told otherwise. */
export const DEFAULT_FETCH_TIMEOUT_SEC = 30;
/** Longest allowed: undici's own 300 s headers / body timeouts would end a download first anyway. */
export const MAX_FETCH_TIMEOUT_SEC = 300;

/** What Node's socket and undici error codes mean. */
const CAUSES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the server',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed (try again)',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'the server closed the connection',
  UND_ERR_SOCKET: 'the server closed the connection',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no response headers in 300 s',
  UND_ERR_BODY_TIMEOUT: 'no body data in 300 s',
};

/** Restarts a timer on every sign of progress; aborts the request when it runs out. */
class Watchdog {
  readonly controller = new AbortController();
  fired = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly timeoutSec: number) {
    this.arm();
  }

  arm(): void {
    this.stop();
    this.timer = setTimeout(() => {
      this.fired = true;
      this.controller.abort(new Error(this.reason('no data for')));
    }, this.timeoutSec * 1000);
    // The socket keeps the process alive while a download runs; an unread body must not keep it alive on its own.
    (this.timer as { unref?: () => void }).unref?.();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  reason(what: string): string {
    return `${what} ${this.timeoutSec} s (timed out; the CLI's --fetch-timeout-sec sets the limit)`;
  }
}

/** One line for a Node fetch / socket error: the cause in words, then the code and the system's own text. */
export function describeNetworkError(e: unknown): string {
  const chain: (Error & { code?: string; address?: string; port?: number })[] = [];
  for (let c: unknown = e; c instanceof Error && chain.length < 5; c = (c as { cause?: unknown }).cause) chain.push(c);
  const coded = chain.find((c) => typeof c.code === 'string' && CAUSES[c.code]);
  if (coded) {
    const where = coded.address ? ` ${coded.address}${coded.port ? `:${coded.port}` : ''}` : '';
    const detail = coded.code === 'ECONNREFUSED' ? `${coded.code}${where}` : `${coded.code}: ${coded.message}`;
    return `${CAUSES[coded.code!]} (${detail})`;
  }
  if (chain.some((c) => /redirect count exceeded/i.test(c.message))) return 'redirect loop (more than 20 redirects)';
  const texts = [...new Set(chain.map((c) => (c as { code?: string }).code ? `${c.message} (${(c as { code?: string }).code})` : c.message))];
  return texts.join(': ') || String(e);
}

/** `source` re-armed per chunk, its errors in words; the watchdog stops when the body ends. */
function watchedBody(source: ReadableStream<Uint8Array>, dog: Watchdog): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(c) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          dog.stop();
          c.close();
          return;
        }
        dog.arm();
        c.enqueue(value);
      } catch (e) {
        dog.stop();
        c.error(new Error(dog.fired ? dog.reason('no data for') : describeNetworkError(e)));
      }
    },
    cancel(reason) {
      dog.stop();
      return reader.cancel(reason);
    },
  });
}

/**
 * A FetchFn for http(s) URLs: the global fetch under a watchdog of `timeoutSec` seconds without progress (response
 * headers, then each body chunk). Failures before the response reject with a FetchFailure
 * "URL: connection refused (ECONNREFUSED 127.0.0.1:8080)" / "URL: no response within 30 s (…)" / "URL: redirect
 * loop (…)"; body failures reach the reader as "the server closed the connection (…)" or "no data for 30 s (…)".
 */
export function httpFetch(timeoutSec = DEFAULT_FETCH_TIMEOUT_SEC): FetchFn {
  if (!(Number.isFinite(timeoutSec) && timeoutSec > 0 && timeoutSec <= MAX_FETCH_TIMEOUT_SEC)) {
    throw new RangeError(`fetch timeout must be a number of seconds in (0, ${MAX_FETCH_TIMEOUT_SEC}], got ${timeoutSec}`);
  }
  return async (url: string): Promise<ResponseLike> => {
    const dog = new Watchdog(timeoutSec);
    let response: Response;
    try {
      response = await fetch(url, { signal: dog.controller.signal });
    } catch (e) {
      dog.stop();
      throw new FetchFailure(`${url}: ${dog.fired ? dog.reason('no response within') : describeNetworkError(e)}`);
    }
    dog.arm();
    const body = response.body ? watchedBody(response.body, dog) : null;
    if (!body) dog.stop();
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}
