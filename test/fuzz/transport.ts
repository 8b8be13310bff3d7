// HTTP plumbing of the generative endpoint test: one request as sent (byte for byte, on a fresh
// connection), the answer, what makes an answer unacceptable, and a short description of a case
// for failure reports.
import { request } from 'node:http';
import type { Endpoint } from '@keel/contract';

/** One HTTP request as sent, with what the read-back needs to know about it. */
export interface FuzzCase {
  readonly method: string;
  /** Path and query, exactly as sent. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer;
  /** The contract endpoint, for JSON routes. */
  readonly endpoint?: Endpoint;
  /** The raw route's name (`artifacts:PUT`, `uploadArtifact`, ...), for the others. */
  readonly rawRoute?: string;
  /** Values of `{param}` path segments and query fields of raw routes, decoded. */
  readonly params: Readonly<Record<string, string>>;
}

export interface FuzzResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

const REQUEST_TIMEOUT_MS = 30_000;

/** Sends one case over a fresh connection, byte for byte. */
export function sendCase(baseUrl: string, c: FuzzCase): Promise<FuzzResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...c.headers };
    if (c.body !== undefined) headers['content-length'] = String(c.body.length);
    const req = request(
      { host: url.hostname, port: url.port, method: c.method, path: c.url, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(c.body);
  });
}

/** JSON parse that answers undefined instead of throwing. */
export function tryJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * What is wrong with an answer, or undefined when it is acceptable. Allowed besides 2xx and
 * JSON 4xx: the framework's HTML 404/405 pages for a path or method no route serves (what
 * MLflow's framework answers too), and 501 NOT_IMPLEMENTED, the documented signal that the
 * storage has no multipart upload (clients fall back to a single PUT).
 */
export function problemWith(res: FuzzResponse): string | undefined {
  const type = String(res.headers['content-type'] ?? '');
  const json = tryJson(res.body) as { error_code?: unknown; message?: unknown } | undefined;
  if (res.status >= 200 && res.status < 300) return undefined;
  if ((res.status === 404 || res.status === 405) && type.startsWith('text/html')) return undefined;
  if (res.status === 501 && json?.error_code === 'NOT_IMPLEMENTED') return undefined;
  if (res.status >= 500) return `answered ${res.status}: ${res.body.toString('utf8').slice(0, 300)}`;
  if (res.status < 400) return `answered ${res.status}`;
  if (typeof json?.error_code !== 'string' || typeof json.message !== 'string') {
    return `answered ${res.status} without MLflow's error JSON: ${type} ${res.body.toString('utf8').slice(0, 200)}`;
  }
  if (/\n\s+at .+:\d+:\d+/.test(json.message))
    return `error message carries a stack trace: ${json.message.slice(0, 300)}`;
  return undefined;
}

/** A short description of a case for failure reports. */
export function describeCase(c: FuzzCase): string {
  const body =
    c.body === undefined
      ? ''
      : ` body=${c.body.toString('utf8').slice(0, 240)}${c.body.length > 240 ? `...(${c.body.length} bytes)` : ''}`;
  const url = c.url.length > 240 ? `${c.url.slice(0, 240)}...(${c.url.length} chars)` : c.url;
  return `${c.method} ${url} ${JSON.stringify(c.headers)}${body}`;
}

/**
 * Percent-encodes one path segment from its UTF-8 bytes. Unlike `encodeURIComponent` it takes
 * strings with unpaired surrogates too (as U+FFFD, which is what a client's UTF-8 encoder sends).
 */
export function encodeSegment(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** A JSON API call (fixtures, read-backs): status and parsed body. */
export async function api(baseUrl: string, method: string, path: string, body?: unknown) {
  const query = method === 'GET' ? `?${new URLSearchParams(body as Record<string, string>)}` : '';
  const res = await sendCase(baseUrl, {
    method,
    url: `/api/2.0/mlflow${path}${query}`,
    headers: method === 'GET' ? {} : { 'content-type': 'application/json' },
    ...(method === 'GET' ? {} : { body: Buffer.from(JSON.stringify(body)) }),
    params: {},
  });
  // biome-ignore lint/suspicious/noExplicitAny: fixture responses are read field by field
  return { status: res.status, json: tryJson(res.body) as any };
}
