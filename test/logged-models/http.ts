/** A minimal MLflow REST caller for the logged-model black-box suites. */
import assert from 'node:assert/strict';

export interface Reply {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are inspected field by field
  readonly body: any;
}

/** Sends one request under `/api/2.0/mlflow` (or a full path starting with `/`); JSON in, JSON out. */
export async function call(
  baseUrl: string,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<Reply> {
  const url = baseUrl + (path.startsWith('/') ? path : `/api/2.0/mlflow/${path}`);
  const response = await fetch(url, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Framework pages (404/405) are not JSON.
  }
  return { status: response.status, body: parsed };
}

/** Asserts a 200 answer and returns its body. */
// biome-ignore lint/suspicious/noExplicitAny: response bodies are inspected field by field
export function ok(reply: Reply): any {
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  return reply.body;
}

/** Asserts an MLflow error answer. */
export function failed(reply: Reply, status: number, code: string, message?: string | RegExp): void {
  assert.equal(reply.status, status, JSON.stringify(reply.body));
  assert.equal(reply.body.error_code, code);
  if (typeof message === 'string') assert.equal(reply.body.message, message);
  else if (message !== undefined) assert.match(reply.body.message, message);
}
