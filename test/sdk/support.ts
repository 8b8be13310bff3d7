// Helpers of the SDK suites: a real Keel server, a transport wrapper that records what the SDK
// sends, and a tiny HTTP server for transport-level behaviour only (retries, timeouts, headers).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Transport, TransportRequest, TransportResponse } from '@keel/client';
import { startTestServer, type TestServer } from '@keel/platform/testing';

export { startTestServer, type TestServer };

/** Retries fast enough for tests. */
export const QUICK_RETRY = { maxRetries: 2, backoffFactorMs: 5, backoffJitterMs: 0, backoffMaxMs: 50 } as const;

/** Wraps a transport and keeps every request it sends (and the status it got back). */
export function recording(
  inner: Transport,
): Transport & { readonly sent: { request: TransportRequest; status: number }[] } {
  const sent: { request: TransportRequest; status: number }[] = [];
  return {
    uri: inner.uri,
    sent,
    async request(request: TransportRequest): Promise<TransportResponse> {
      const response = await inner.request(request);
      sent.push({ request, status: response.status });
      return response;
    },
    close: () => inner.close?.() ?? Promise.resolve(),
  };
}

export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  readonly at: number;
}

/** A local HTTP server whose answers a test scripts; records every request. */
export async function scriptedServer(
  answer: (request: SeenRequest, index: number, response: ServerResponse) => void,
): Promise<{ url: string; seen: SeenRequest[]; close(): Promise<void> }> {
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, at: Date.now() };
      seen.push(request);
      answer(request, seen.length - 1, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Sends a JSON answer. */
export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** A loopback port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
