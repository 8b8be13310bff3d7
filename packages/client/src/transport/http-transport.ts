/**
 * The HTTP transport: global `fetch` (Node 20 and browsers), a per-attempt timeout, MLflow's
 * retry rules, and one clear error naming the URL when the server cannot be reached. A refused
 * connection (nothing listens there: usually no server started, or a wrong port) is retried only
 * briefly, since waiting minutes through MLflow's backoff would not start a server; answers such
 * as 429 and 5xx keep MLflow's full backoff.
 */
import { classifyConnectionFailure, connectionFailed, describeCause } from './connection-error.js';
import {
  backoffDelayMs,
  DEFAULT_RETRY,
  parseRetryAfter,
  RETRYABLE_STATUSES,
  type RetryOptions,
  sleep,
} from './retry.js';
import { discardBody, type Transport, type TransportRequest, type TransportResponse } from './transport.js';

/**
 * The `fetch` signature the transport needs (a custom one may add TLS options in Node).
 *
 * @example
 * const logged: FetchFunction = (url, init) => { console.log(init.method, url); return fetch(url, init); };
 */
export type FetchFunction = (url: string, init: RequestInit) => Promise<Response>;

/**
 * Options of an `HttpTransport`.
 *
 * @example
 * new HttpTransport({ baseUrl: 'http://127.0.0.1:5000', timeoutMs: 30_000 });
 */
export interface HttpTransportOptions {
  /** The tracking URI; request paths are appended to it (`https://host/base` keeps `/base`). */
  readonly baseUrl: string;
  /** Headers sent with every request (credentials included), unless a request is anonymous. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Longest wait for one attempt's response headers and, for JSON calls, its body (default 120 s). */
  readonly timeoutMs?: number;
  readonly retry?: Partial<RetryOptions>;
  /** Replaces global `fetch` (tests, custom TLS agents). */
  readonly fetch?: FetchFunction;
  /** Told before each retry wait, so that a command line can say why it is waiting. */
  readonly onRetry?: (notice: RetryNotice) => void;
  /**
   * How long refused connections are retried before giving up (default 3 s, within `maxRetries`).
   * The short waits in between are not announced through `onRetry`.
   */
  readonly refusedRetryMs?: number;
}

/** First wait after a refused connection; each next wait doubles, up to `REFUSED_MAX_WAIT_MS`. */
const REFUSED_FIRST_WAIT_MS = 250;
const REFUSED_MAX_WAIT_MS = 1000;

/**
 * Why and how long the transport waits before retrying a request.
 *
 * @example
 * new HttpTransport({ baseUrl, onRetry: (n) => console.error(`retry ${n.retry}/${n.maxRetries} in ${n.delayMs} ms: ${n.reason}`) });
 */
export interface RetryNotice {
  readonly url: string;
  /** The retry about to happen (1 for the first retry). */
  readonly retry: number;
  readonly maxRetries: number;
  readonly delayMs: number;
  /** The connection failure or the HTTP status that is being retried. */
  readonly reason: string;
}

/**
 * Sends requests over HTTP with retries.
 *
 * @example
 * const transport = new HttpTransport({ baseUrl: 'http://127.0.0.1:5000' });
 * const client = new KeelClient({ transport });
 */
export class HttpTransport implements Transport {
  readonly uri: string;
  private readonly baseUrl: string;
  private readonly headers: Readonly<Record<string, string>>;
  private readonly timeoutMs: number;
  private readonly retry: RetryOptions;
  private readonly fetchFn: FetchFunction;
  private readonly onRetry: ((notice: RetryNotice) => void) | undefined;
  private readonly refusedRetryMs: number;

  constructor(options: HttpTransportOptions) {
    this.uri = options.baseUrl;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.headers = Object.freeze({ ...options.headers });
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.retry = Object.freeze({ ...DEFAULT_RETRY, ...options.retry });
    // Looked up per call so that test doubles installed on globalThis later still apply.
    this.fetchFn = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
    this.onRetry = options.onRetry;
    this.refusedRetryMs = options.refusedRetryMs ?? 3000;
  }

  /** The full URL of a request. */
  url(request: Pick<TransportRequest, 'path' | 'query'>): string {
    const base = /^https?:\/\//i.test(request.path) ? request.path : this.baseUrl + request.path;
    if (request.query === undefined || request.query.length === 0) return base;
    const search = new URLSearchParams();
    for (const [key, value] of request.query) search.append(key, value);
    return `${base}${base.includes('?') ? '&' : '?'}${search.toString()}`;
  }

  async request(request: TransportRequest): Promise<TransportResponse> {
    request.signal?.throwIfAborted();
    const url = this.url(request);
    const started = Date.now();
    // A bare stream can be sent only once; a body factory reopens it for each attempt.
    const replayable = !(request.body instanceof ReadableStream);
    const maxRetries = replayable ? this.retry.maxRetries : 0;
    for (let retry = 0; ; retry++) {
      const next = retry + 1;
      const canRetry = () => next <= maxRetries && Date.now() - started < this.retry.deadlineMs;
      let response: TransportResponse;
      try {
        response = await this.attempt(url, request);
      } catch (error) {
        if (request.signal?.aborted) throw request.signal.reason ?? error;
        const reason = classifyConnectionFailure(error);
        const elapsed = Date.now() - started;
        if (reason === 'refused') {
          // Bounded by the refused-connection budget and, like every retry, by the deadline: the
          // last wait is cut short so that one more attempt lands at the end of the budget.
          const budget = Math.min(this.refusedRetryMs, this.retry.deadlineMs);
          if (next > maxRetries || elapsed >= budget) throw connectionFailed(url, next, elapsed, error);
          const wait = Math.min(REFUSED_MAX_WAIT_MS, REFUSED_FIRST_WAIT_MS * 2 ** retry, budget - elapsed);
          await sleep(wait, request.signal);
          continue;
        }
        // A protocol or certificate mismatch, or an unknown host, does not go away by waiting.
        if (!canRetry() || reason !== 'other') throw connectionFailed(url, next, elapsed, error);
        const delayMs = this.boundedWait(backoffDelayMs(next, this.retry), started);
        this.onRetry?.({ url, retry: next, maxRetries, delayMs, reason: describeCause(error) });
        await sleep(delayMs, request.signal);
        continue;
      }
      if (!RETRYABLE_STATUSES.includes(response.status) || !canRetry()) return response;
      const retryAfter = this.retry.respectRetryAfter ? parseRetryAfter(response.headers['retry-after']) : undefined;
      const wait = retryAfter ?? backoffDelayMs(next, this.retry);
      // Waiting past the deadline would only delay the inevitable error.
      if (Date.now() - started + wait > this.retry.deadlineMs) return response;
      await discardBody(response.body);
      const delayMs = Math.min(wait, this.retry.backoffMaxMs);
      this.onRetry?.({ url, retry: next, maxRetries, delayMs, reason: `HTTP ${response.status}` });
      await sleep(delayMs, request.signal);
    }
  }

  private boundedWait(wait: number, started: number): number {
    return Math.max(0, Math.min(wait, this.retry.deadlineMs - (Date.now() - started)));
  }

  private async attempt(url: string, request: TransportRequest): Promise<TransportResponse> {
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new DOMException(`timed out after ${this.timeoutMs / 1000} s`, 'TimeoutError')),
      this.timeoutMs,
    );
    const onAbort = () => controller.abort(request.signal?.reason);
    request.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const body = typeof request.body === 'function' ? request.body() : request.body;
      const headers = request.anonymous ? { ...request.headers } : { ...this.headers, ...request.headers };
      const init: RequestInit & { duplex?: 'half' } = {
        method: request.method,
        headers,
        signal: controller.signal,
        redirect: 'follow',
      };
      if (body !== undefined) init.body = body as BodyInit;
      // Node's fetch needs `duplex` to stream a request body.
      if (body instanceof ReadableStream) init.duplex = 'half';
      const res = await this.fetchFn(url, init);
      const responseHeaders: Record<string, string> = {};
      res.headers.forEach((value, key) => {
        responseHeaders[key] = value;
      });
      const ok = res.status >= 200 && res.status < 300;
      if (request.stream && ok) return { status: res.status, headers: responseHeaders, body: res.body };
      return { status: res.status, headers: responseHeaders, body: await res.text() };
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
    }
  }
}
