// A tiny HTTP client for the registry's black-box tests: MLflow's transport (GET query strings
// with repeated keys, JSON bodies otherwise) against a real listening server.
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '@keel/platform/testing';

export interface Reply {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: responses are checked field by field in tests
  readonly body: any;
}

export type Payload = Record<string, unknown>;

/** Calls `/api/2.0/mlflow/<path>` (or an absolute `/...` path) and parses the JSON answer. */
export async function call(
  server: TestServer,
  method: string,
  path: string,
  payload: Payload = {},
  headers: Record<string, string> = {},
): Promise<Reply> {
  const full = path.startsWith('/') ? path : `/api/2.0/mlflow/${path}`;
  const url = new URL(server.url + full);
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
export function client(server: TestServer) {
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

/** Starts a fresh server for one test file. */
export { startTestServer, type TestServer };
