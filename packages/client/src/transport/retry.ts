/**
 * MLflow's client retry rules (limits-and-errors.md §1): statuses 408, 429, 500, 502, 503 and
 * 504 and connection failures are retried with urllib3's exponential backoff plus random
 * jitter, `Retry-After` is honoured, and the whole sequence is bounded by a deadline.
 */

/**
 * Statuses MLflow's client retries.
 *
 * @example
 * RETRYABLE_STATUSES.includes(503); // true
 */
export const RETRYABLE_STATUSES: readonly number[] = Object.freeze([408, 429, 500, 502, 503, 504]);

/**
 * How requests are retried. Defaults match MLflow's `MLFLOW_HTTP_REQUEST_*` defaults.
 *
 * @example
 * new KeelClient({ trackingUri, retry: { maxRetries: 2, backoffFactorMs: 100 } });
 */
export interface RetryOptions {
  /** Retries after the first attempt (`MLFLOW_HTTP_REQUEST_MAX_RETRIES`, default 7). */
  readonly maxRetries: number;
  /** Base of the exponential backoff (`MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR`, default 2 s). */
  readonly backoffFactorMs: number;
  /** Up to this much random delay is added to each backoff (`MLFLOW_HTTP_REQUEST_BACKOFF_JITTER`, default 1 s). */
  readonly backoffJitterMs: number;
  /** Longest single wait, backoff or `Retry-After` (urllib3's default: 120 s). */
  readonly backoffMaxMs: number;
  /** Wait as long as the server's `Retry-After` asks (`MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER`, default true). */
  readonly respectRetryAfter: boolean;
  /** No retry starts after this much time since the first attempt (default 10 min). */
  readonly deadlineMs: number;
}

/**
 * MLflow's retry defaults: 7 retries, factor 2 s, jitter 1 s, waits capped at 120 s.
 *
 * @example
 * new KeelClient({ retry: { ...DEFAULT_RETRY, maxRetries: 2 } });
 */
export const DEFAULT_RETRY: RetryOptions = Object.freeze({
  maxRetries: 7,
  backoffFactorMs: 2000,
  backoffJitterMs: 1000,
  backoffMaxMs: 120_000,
  respectRetryAfter: true,
  deadlineMs: 600_000,
});

/**
 * The wait before retry number `retry` (1-based), as urllib3 computes it: none before the first
 * retry, then `factor * 2^(retry-1)` plus jitter, capped at `backoffMaxMs`.
 *
 * @example
 * backoffDelayMs(3, DEFAULT_RETRY); // 8000 ms plus up to 1000 ms of jitter
 */
export function backoffDelayMs(retry: number, options: RetryOptions, random: () => number = Math.random): number {
  if (retry <= 1) return 0;
  const delay = options.backoffFactorMs * 2 ** (retry - 1) + random() * options.backoffJitterMs;
  return Math.min(options.backoffMaxMs, Math.max(0, delay));
}

/**
 * Parses `Retry-After` (seconds or an HTTP date) into milliseconds from `now`; undefined if absent or unreadable.
 *
 * @example
 * parseRetryAfter('2'); // 2000
 */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Resolves after `ms`, or rejects as soon as `signal` aborts.
 *
 * @example
 * await sleep(100, controller.signal);
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
