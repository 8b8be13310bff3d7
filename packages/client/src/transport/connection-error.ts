/**
 * What a transport says when it never got an HTTP answer: one line that names the URL tried and,
 * where the cause is a common mistake, what to do about it. The error keeps its details as
 * non-enumerable properties and a one-line stack, so an uncaught one prints as one line instead
 * of a long trace with nested causes.
 */
import { MlflowError } from '@keel/contract';
import { asOneLine } from '../client/one-line-error.js';

/**
 * Why no answer came: nothing listens there (`refused`), the server speaks plain HTTP to an
 * `https://` URI (`tls-mismatch`), a certificate check failed (`certificate`), the host name
 * does not resolve (`dns`), fetch refused the URL itself (`invalid-url`: a blocked port), or
 * anything else (`other`: resets, timeouts; the only reason retried with MLflow's backoff).
 *
 * @example
 * if (error instanceof ConnectionFailedError && error.reason === 'refused') startServer();
 */
export type ConnectionFailureReason = 'refused' | 'tls-mismatch' | 'certificate' | 'dns' | 'invalid-url' | 'other';

/** The hint every "nothing listens there" message ends with. */
export const NO_SERVER_HINT = 'is a Keel or MLflow server running there? start one with keel server';

/**
 * No HTTP answer from the tracking server (code TEMPORARILY_UNAVAILABLE, status 0).
 *
 * @example
 * try { await client.getExperiment({ experiment_id: '0' }); }
 * catch (error) { if (error instanceof ConnectionFailedError) console.error(error.message); }
 */
export class ConnectionFailedError extends MlflowError {
  declare readonly reason: ConnectionFailureReason;
  /** The full URL of the request that failed. */
  declare readonly url: string;
  /** The low-level error of the last attempt (kept out of `cause` so printing stays one line). */
  declare readonly lastError: unknown;

  constructor(message: string, details: { reason: ConnectionFailureReason; url: string; lastError: unknown }) {
    super('TEMPORARILY_UNAVAILABLE', message, { status: 0 });
    const hidden = (key: string, value: unknown) =>
      Object.defineProperty(this, key, { value, enumerable: false, writable: false, configurable: true });
    hidden('reason', details.reason);
    hidden('url', details.url);
    hidden('lastError', details.lastError);
    asOneLine(this, 'ConnectionFailedError');
  }
}

/** The error code of a fetch failure (`TypeError: fetch failed` carries it in `cause`). */
function causeCode(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; errors?: { code?: unknown }[] } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  // Happy-eyeballs connects fail with an AggregateError of one error per address.
  const inner = cause?.errors?.find((e) => typeof e.code === 'string')?.code;
  return typeof inner === 'string' ? inner : '';
}

/**
 * Classifies a failed attempt.
 *
 * @example
 * classifyConnectionFailure(new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } })); // 'refused'
 */
export function classifyConnectionFailure(error: unknown): ConnectionFailureReason {
  const code = causeCode(error);
  const text = `${code} ${describeCause(error)}`;
  if (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(text)) return 'refused';
  // fetch refuses some URLs before connecting (a blocked port such as 9 or 6000, a malformed host).
  if (/^TypeError$/.test((error as Error).name ?? '') && /bad port|invalid url/i.test(text)) return 'invalid-url';
  if (/WRONG_VERSION_NUMBER|wrong version number|packet length too long|http request/i.test(text))
    return 'tls-mismatch';
  if (/CERT|SELF_SIGNED|ERR_TLS/.test(code)) return 'certificate';
  // EAI_AGAIN is a resolver that did not answer in time: worth retrying, unlike ENOTFOUND.
  if (code === 'ENOTFOUND') return 'dns';
  return 'other';
}

/**
 * The most telling message of a failed attempt (the socket error rather than "fetch failed").
 *
 * @example
 * describeCause(new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:1') }));
 */
export function describeCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof Error && cause.message) return cause.message;
  if (error.name === 'AbortError' || error.name === 'TimeoutError') return error.message || 'request timed out';
  return error.message;
}

function plainHttpTwin(url: string): string {
  try {
    const parsed = new URL(url);
    return `http://${parsed.host}`;
  } catch {
    return url.replace(/^https:/i, 'http:');
  }
}

/**
 * The one-line error for a request that never got an answer.
 *
 * @example
 * throw connectionFailed('http://127.0.0.1:5000/api/2.0/mlflow/runs/get', 4, 3100, lastError);
 */
export function connectionFailed(
  url: string,
  attempts: number,
  elapsedMs: number,
  lastError: unknown,
): ConnectionFailedError {
  const reason = classifyConnectionFailure(lastError);
  const tries = `${attempts} attempt${attempts === 1 ? '' : 's'} in ${(elapsedMs / 1000).toFixed(1)} s`;
  let message: string;
  switch (reason) {
    case 'refused':
      message = `Could not connect to ${url} (connection refused, ${tries}): ${NO_SERVER_HINT}`;
      break;
    case 'tls-mismatch':
      message = `Could not connect to ${url}: the server there speaks plain HTTP, not HTTPS; use ${plainHttpTwin(url)} as the tracking URI`;
      break;
    case 'certificate':
      message = `Could not connect to ${url}: ${describeCause(lastError)} (trust the server's CA with MLFLOW_TRACKING_SERVER_CERT_PATH, or skip checks with MLFLOW_TRACKING_INSECURE_TLS=true)`;
      break;
    case 'invalid-url':
      message = /bad port/i.test(describeCause(lastError))
        ? `Could not connect to ${url}: fetch refuses its port (one of the Fetch standard's blocked ports, which browsers refuse too); run the server on another port, such as 5000, and point the tracking URI there`
        : `Could not connect to ${url}: ${describeCause(lastError)}; check the tracking URI`;
      break;
    case 'dns':
      message = `Could not connect to ${url}: host not found (${describeCause(lastError)}); check the tracking URI`;
      break;
    default:
      message = `Could not reach the tracking server at ${url} after ${tries}: ${describeCause(lastError)}`;
  }
  return new ConnectionFailedError(message, { reason, url, lastError });
}
