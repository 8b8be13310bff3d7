// Minimal HTTP helpers for black-box suites: real requests to a real listening server.
import { request as httpRequest } from 'node:http';

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
export function send(base: string, req: RawRequest): Promise<HttpResponse> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const r = httpRequest(
      {
        hostname: url.hostname,
        port: url.port,
        method: req.method ?? 'GET',
        path: req.path,
        headers: {
          ...(req.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(req.body)) }),
          ...req.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    r.on('error', reject);
    if (req.body !== undefined) r.write(req.body);
    r.end();
  });
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
