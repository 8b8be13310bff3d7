/**
 * Client configuration, resolved once and frozen: explicit options win over MLflow's
 * environment variables (cli-and-env.md §4-§5), which win over defaults. The environment is
 * passed in as a plain record; nothing here reads `process.env`, so browsers pass options only.
 */

import { MlflowError } from '@keel/contract';
import { asOneLine } from './client/one-line-error.js';
import type { FetchFunction, RetryNotice } from './transport/http-transport.js';
import { DEFAULT_RETRY, type RetryOptions } from './transport/retry.js';
import type { Transport } from './transport/transport.js';

/**
 * Environment variables as a plain record (`process.env` in Node).
 *
 * @example
 * const env: EnvSource = { MLFLOW_TRACKING_URI: 'http://127.0.0.1:5000' };
 */
export type EnvSource = Readonly<Record<string, string | undefined>>;

/**
 * MLflow's default tracking URI when nothing is configured: a SQLite file in the working directory.
 *
 * @example
 * resolveClientConfig({}, {}).trackingUri === DEFAULT_TRACKING_URI; // true outside browsers
 */
export const DEFAULT_TRACKING_URI = 'sqlite:///mlflow.db';

/**
 * What a client can be given. Every field is optional; unset ones come from the environment.
 *
 * @example
 * const client = new KeelClient({ trackingUri: 'http://127.0.0.1:5000', token: 'abc' });
 */
export interface ClientOptions {
  /** `http(s)://host[:port][/base]`, or (Node) a local store: `sqlite:///path.db` or a plain path. */
  readonly trackingUri?: string;
  /** Bearer token (`MLFLOW_TRACKING_TOKEN`); username/password take precedence. */
  readonly token?: string;
  /** Basic credentials (`MLFLOW_TRACKING_USERNAME` / `MLFLOW_TRACKING_PASSWORD`). */
  readonly username?: string;
  readonly password?: string;
  /** Extra headers sent with every request. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Per-attempt timeout (`MLFLOW_HTTP_REQUEST_TIMEOUT`, seconds there; default 120 s). */
  readonly requestTimeoutMs?: number;
  /** Retry behaviour (`MLFLOW_HTTP_REQUEST_*`). */
  readonly retry?: Partial<RetryOptions>;
  /** Skip TLS certificate checks (`MLFLOW_TRACKING_INSECURE_TLS`; Node only). */
  readonly insecureTls?: boolean;
  /** CA bundle to trust (`MLFLOW_TRACKING_SERVER_CERT_PATH`; Node only). */
  readonly serverCertPath?: string;
  /** Client certificate, PEM with its key (`MLFLOW_TRACKING_CLIENT_CERT_PATH`; Node only). */
  readonly clientCertPath?: string;
  /** Replaces global `fetch`. */
  readonly fetch?: FetchFunction;
  /** Use this transport instead of building one from the URI (tests, custom wiring). */
  readonly transport?: Transport;
  /** Told before each HTTP retry wait (connection failures, 408/429/5xx). */
  readonly onRetry?: (notice: RetryNotice) => void;
}

/**
 * The resolved, frozen configuration of a client.
 *
 * @example
 * const config = resolveClientConfig({}, { MLFLOW_TRACKING_URI: 'http://127.0.0.1:5000' });
 */
export interface ClientConfig {
  readonly trackingUri: string;
  /** Headers for every request, `authorization` included when credentials are configured. */
  readonly headers: Readonly<Record<string, string>>;
  /** The tracking username, if any (becomes `mlflow.user` on new runs). */
  readonly username?: string;
  readonly requestTimeoutMs: number;
  readonly retry: RetryOptions;
  readonly insecureTls: boolean;
  readonly serverCertPath?: string;
  readonly clientCertPath?: string;
}

type Parser<T> = (raw: string, name: string) => T;

const parseString: Parser<string> = (raw) => raw;
const parseBoolean: Parser<boolean> = (raw, name) => {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new Error(`${name} must be true or false, got '${raw}'`);
};
const parseNonNegative: Parser<number> = (raw, name) => {
  const n = Number(raw.trim());
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number >= 0, got '${raw}'`);
  return n;
};
const parseCount: Parser<number> = (raw, name) => {
  const n = parseNonNegative(raw, name);
  if (!Number.isInteger(n)) throw new Error(`${name} must be a whole number, got '${raw}'`);
  return n;
};

/**
 * The environment variables the client reads, with MLflow's names.
 *
 * @example
 * for (const [name, v] of Object.entries(CLIENT_ENV)) console.log(name, v.description);
 */
export const CLIENT_ENV = {
  MLFLOW_TRACKING_URI: { parse: parseString, description: 'Tracking server URL or local store.' },
  MLFLOW_TRACKING_TOKEN: { parse: parseString, description: 'Bearer token.' },
  MLFLOW_TRACKING_USERNAME: { parse: parseString, description: 'Basic-auth user (wins over the token).' },
  MLFLOW_TRACKING_PASSWORD: { parse: parseString, description: 'Basic-auth password.' },
  MLFLOW_TRACKING_INSECURE_TLS: { parse: parseBoolean, description: 'Skip TLS verification (Node).' },
  MLFLOW_TRACKING_SERVER_CERT_PATH: { parse: parseString, description: 'CA bundle to trust (Node).' },
  MLFLOW_TRACKING_CLIENT_CERT_PATH: { parse: parseString, description: 'Client certificate PEM (Node).' },
  MLFLOW_HTTP_REQUEST_MAX_RETRIES: { parse: parseCount, description: 'Retries of 408/429/5xx (default 7).' },
  MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: { parse: parseNonNegative, description: 'Backoff factor, seconds (2).' },
  MLFLOW_HTTP_REQUEST_BACKOFF_JITTER: { parse: parseNonNegative, description: 'Backoff jitter, seconds (1).' },
  MLFLOW_HTTP_REQUEST_TIMEOUT: { parse: parseNonNegative, description: 'Per-request timeout, seconds (120).' },
  MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER: { parse: parseBoolean, description: 'Honour Retry-After (true).' },
  MLFLOW_EXPERIMENT_NAME: { parse: parseString, description: 'Experiment of new runs (created if missing).' },
  MLFLOW_EXPERIMENT_ID: { parse: parseString, description: 'Experiment ID of new runs.' },
  MLFLOW_RUN_ID: { parse: parseString, description: 'Run the first startRun() joins (set by `keel run`).' },
  MLFLOW_RUN_CONTEXT: { parse: parseString, description: 'JSON object of extra tags for new runs.' },
  MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING: { parse: parseBoolean, description: 'Log system/ metrics (false).' },
  MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL: { parse: parseNonNegative, description: 'Seconds between samples (10).' },
  MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE: {
    parse: parseCount,
    description: 'Bytes from which uploads go multipart.',
  },
  MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE: { parse: parseCount, description: 'Bytes per multipart part (10 MiB).' },
  // Direct S3 access (Node), as MLflow's client reads it.
  MLFLOW_S3_ENDPOINT_URL: { parse: parseString, description: 'S3-compatible endpoint (MinIO, Ceph, ...).' },
  AWS_ENDPOINT_URL_S3: { parse: parseString, description: 'S3 endpoint when MLFLOW_S3_ENDPOINT_URL is unset.' },
  AWS_ENDPOINT_URL: { parse: parseString, description: 'Endpoint of every AWS service.' },
  MLFLOW_S3_IGNORE_TLS: { parse: parseBoolean, description: 'Skip TLS verification for S3.' },
  MLFLOW_S3_UPLOAD_EXTRA_ARGS: { parse: parseString, description: 'JSON object of extra S3 upload fields.' },
  MLFLOW_S3_EXPECTED_BUCKET_OWNER: { parse: parseString, description: 'Account that must own the buckets.' },
  MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE: { parse: parseString, description: 'auto, path or virtual.' },
  AWS_REGION: { parse: parseString, description: 'AWS region.' },
  AWS_DEFAULT_REGION: { parse: parseString, description: 'AWS region when AWS_REGION is unset.' },
  AWS_ACCESS_KEY_ID: { parse: parseString, description: 'S3 access key (else the AWS default chain).' },
  AWS_SECRET_ACCESS_KEY: { parse: parseString, description: 'S3 secret key.' },
  AWS_SESSION_TOKEN: { parse: parseString, description: 'S3 session token.' },
  KEEL_PRINT_RUN_LINKS: {
    parse: parseBoolean,
    description: 'Print where to see each run when it ends (true; false silences it).',
  },
} as const satisfies Record<string, { parse: Parser<unknown>; description: string }>;

/**
 * The name of a variable in `CLIENT_ENV`.
 *
 * @example
 * const name: ClientEnvName = 'MLFLOW_TRACKING_URI';
 */
export type ClientEnvName = keyof typeof CLIENT_ENV;

/**
 * Reads one client variable; undefined when unset or empty. Bad values throw, naming the variable.
 *
 * @example
 * const retries = readClientEnv(process.env, 'MLFLOW_HTTP_REQUEST_MAX_RETRIES');
 */
export function readClientEnv<N extends ClientEnvName>(
  env: EnvSource,
  name: N,
): ReturnType<(typeof CLIENT_ENV)[N]['parse']> | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  return CLIENT_ENV[name].parse(raw, name) as ReturnType<(typeof CLIENT_ENV)[N]['parse']>;
}

/** Base64 of the UTF-8 bytes of `text` (btoa alone only takes Latin-1). */
function base64Utf8(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function browserOrigin(): string | undefined {
  const location = (globalThis as { location?: { origin?: string; protocol?: string } }).location;
  return location?.protocol?.startsWith('http') ? location.origin : undefined;
}

/**
 * Resolves a client configuration: options > environment > defaults. With neither a URI option
 * nor `MLFLOW_TRACKING_URI`, a page's own origin is used in browsers and `sqlite:///mlflow.db`
 * (the embedded store) elsewhere, as MLflow does.
 *
 * @example
 * const config = resolveClientConfig({ requestTimeoutMs: 5000 }, process.env);
 */
export function resolveClientConfig(options: ClientOptions = {}, env: EnvSource = {}): ClientConfig {
  const read = <N extends ClientEnvName>(name: N) => readClientEnv(env, name);
  const trackingUri = checkTrackingUri(
    options.trackingUri ?? read('MLFLOW_TRACKING_URI') ?? browserOrigin() ?? DEFAULT_TRACKING_URI,
  );
  const username = options.username ?? read('MLFLOW_TRACKING_USERNAME');
  const password = options.password ?? read('MLFLOW_TRACKING_PASSWORD');
  const token = options.token ?? read('MLFLOW_TRACKING_TOKEN');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.headers ?? {})) headers[name.toLowerCase()] = value;
  // MLflow: username and password win over a token.
  if (username !== undefined && password !== undefined) {
    headers.authorization = `Basic ${base64Utf8(`${username}:${password}`)}`;
  } else if (token !== undefined) {
    headers.authorization = `Bearer ${token}`;
  }
  type SecondsVar =
    | 'MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR'
    | 'MLFLOW_HTTP_REQUEST_BACKOFF_JITTER'
    | 'MLFLOW_HTTP_REQUEST_TIMEOUT';
  // MLflow's variables are in seconds; the options are in milliseconds.
  const seconds = (name: SecondsVar) => {
    const value = read(name);
    return value === undefined ? undefined : value * 1000;
  };
  const retry: RetryOptions = Object.freeze({
    ...DEFAULT_RETRY,
    ...definedOnly({
      maxRetries: read('MLFLOW_HTTP_REQUEST_MAX_RETRIES'),
      backoffFactorMs: seconds('MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR'),
      backoffJitterMs: seconds('MLFLOW_HTTP_REQUEST_BACKOFF_JITTER'),
      respectRetryAfter: read('MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER'),
    }),
    ...definedOnly(options.retry ?? {}),
  });
  const insecureTls = options.insecureTls ?? read('MLFLOW_TRACKING_INSECURE_TLS') ?? false;
  const serverCertPath = options.serverCertPath ?? read('MLFLOW_TRACKING_SERVER_CERT_PATH');
  const clientCertPath = options.clientCertPath ?? read('MLFLOW_TRACKING_CLIENT_CERT_PATH');
  if (insecureTls && (serverCertPath !== undefined || clientCertPath !== undefined)) {
    // MLflow refuses this combination too: verification cannot be both off and pinned.
    throw new Error(
      'MLFLOW_TRACKING_INSECURE_TLS cannot be combined with MLFLOW_TRACKING_SERVER_CERT_PATH or MLFLOW_TRACKING_CLIENT_CERT_PATH',
    );
  }
  return Object.freeze({
    trackingUri,
    headers: Object.freeze(headers),
    ...(username === undefined ? {} : { username }),
    requestTimeoutMs: options.requestTimeoutMs ?? seconds('MLFLOW_HTTP_REQUEST_TIMEOUT') ?? 120_000,
    retry,
    insecureTls,
    ...(serverCertPath === undefined ? {} : { serverCertPath }),
    ...(clientCertPath === undefined ? {} : { clientCertPath }),
  });
}

function definedOnly<T extends object>(value: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [key, v] of Object.entries(value)) if (v !== undefined) (out as Record<string, unknown>)[key] = v;
  return out;
}

/** `host:port`, `[v6]:port`, or a bare IPv4 address / `localhost`, optionally followed by a path. */
const SCHEMELESS_SERVER =
  /^(?<host>localhost|\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:.]+\]|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)(?<port>:\d{1,5})?(?:\/.*)?$/;

/**
 * Refuses a tracking URI that names a server without a scheme (`127.0.0.1:5000`,
 * `localhost:5000`, `tracking.example.com:443`): taken as a local path, it would silently
 * create a store in a directory of that name. Returns the URI unchanged otherwise.
 *
 * @example
 * checkTrackingUri('127.0.0.1:5000'); // throws: did you mean http://127.0.0.1:5000?
 */
export function checkTrackingUri(uri: string): string {
  const match = SCHEMELESS_SERVER.exec(uri);
  const host = match?.groups?.host ?? '';
  // A plain name without a port (`mlruns`, `runs.db`) is a local path, as in MLflow.
  const looksLikeServer =
    match !== null &&
    (match.groups?.port !== undefined || host === 'localhost' || /^\d{1,3}(\.\d{1,3}){3}$/.test(host));
  if (looksLikeServer) {
    throw asOneLine(
      new MlflowError(
        'INVALID_PARAMETER_VALUE',
        `Tracking URI '${uri}' has no scheme: did you mean http://${uri}? (a local store is written sqlite:///path/to/file.db)`,
      ),
    );
  }
  return uri;
}

/**
 * Whether a tracking URI names an HTTP server (otherwise it is a local store, usable from Node).
 *
 * @example
 * isHttpUri('sqlite:///mlflow.db'); // false
 */
export function isHttpUri(uri: string): boolean {
  return /^https?:\/\//i.test(uri);
}
