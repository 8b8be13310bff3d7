// HTTP helpers for the black-box suites: real requests to a real listening server. `rawRequest`
// sends a path byte for byte (fetch would normalise `..` and `%2e%2e` away before the server saw
// them); `call`/`client` speak MLflow's JSON transport; `mlflowApi` is a thin JSON wrapper.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { Readable } from 'node:stream';
import type { TestServer } from '@keel/platform/testing';

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  text(): string;
  json(): unknown;
}

export interface RawRequestOptions {
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer | Readable;
}

/** Sends `method path` to `baseUrl` with `path` exactly as given (no URL normalisation). */
export function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  options: RawRequestOptions = {},
): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body,
          text: () => body.toString('utf8'),
          json: () => JSON.parse(body.toString('utf8')),
        });
      });
    });
    req.on('error', reject);
    const body = options.body;
    if (body instanceof Readable) body.pipe(req);
    else req.end(body);
  });
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response shapes
  readonly json: any;
}

export interface RawRequest {
  readonly method?: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
}

/** Sends one request with full control over method, headers and raw body bytes. */
export async function send(base: string, req: RawRequest): Promise<HttpResponse> {
  const headers = {
    ...(req.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(req.body)) }),
    ...req.headers,
  };
  const res = await rawRequest(base, req.method ?? 'GET', req.path, {
    headers,
    ...(req.body === undefined ? {} : { body: req.body }),
  });
  const text = res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** JSON API helper bound to a server's `/api/2.0/mlflow` prefix. */
export function mlflowApi(base: string, prefix = '/api/2.0/mlflow') {
  return {
    post: (path: string, body: unknown) =>
      send(base, {
        method: 'POST',
        path: prefix + path,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    get: (path: string, query: Record<string, string | string[]> = {}) => {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) for (const one of Array.isArray(v) ? v : [v]) params.append(k, one);
      const qs = params.toString();
      return send(base, { path: prefix + path + (qs ? `?${qs}` : '') });
    },
    call: (method: string, path: string, body?: unknown) =>
      send(base, {
        method,
        path: prefix + path,
        ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      }),
  };
}

export interface Reply {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: responses are checked field by field in tests
  readonly body: any;
}

export type Payload = Record<string, unknown>;

/** Calls `/api/2.0/mlflow/<path>` (or an absolute `/...` path) and parses the JSON answer. */
export async function call(
  server: TestServer | string,
  method: string,
  path: string,
  payload: Payload = {},
  headers: Record<string, string> = {},
): Promise<Reply> {
  const full = path.startsWith('/') ? path : `/api/2.0/mlflow/${path}`;
  const url = new URL((typeof server === 'string' ? server : server.url) + full);
  const init: RequestInit = { method, headers: { ...headers } };
  if (method === 'GET') {
    for (const [key, value] of Object.entries(payload)) {
      for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(item));
    }
  } else {
    init.body = JSON.stringify(payload);
    init.headers = { 'content-type': 'application/json', ...headers };
  }
  const response = await fetch(url, init);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Framework pages (404/405) are not JSON.
  }
  return { status: response.status, body };
}

/** Shorthands bound to one server. */
export function client(server: TestServer | string) {
  return {
    get: (path: string, payload?: Payload, headers?: Record<string, string>) =>
      call(server, 'GET', path, payload, headers),
    post: (path: string, payload?: Payload, headers?: Record<string, string>) =>
      call(server, 'POST', path, payload, headers),
    patch: (path: string, payload?: Payload, headers?: Record<string, string>) =>
      call(server, 'PATCH', path, payload, headers),
    delete: (path: string, payload?: Payload, headers?: Record<string, string>) =>
      call(server, 'DELETE', path, payload, headers),
  };
}

export type Client = ReturnType<typeof client>;

/** Asserts an MLflow error answer: status, error_code and (exact or matching) message. */
export function expectError(reply: Reply, status: number, code: string, message?: string | RegExp): void {
  assert.equal(reply.status, status, JSON.stringify(reply.body));
  assert.equal(reply.body?.error_code, code, JSON.stringify(reply.body));
  if (typeof message === 'string') assert.equal(reply.body.message, message);
  else if (message) assert.match(reply.body.message, message);
}

/** Asserts a 200 answer and returns its body. */
// biome-ignore lint/suspicious/noExplicitAny: see Reply
export function expectOk(reply: Reply): any {
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  return reply.body;
}
