/**
 * Helpers for the artifact black-box suites: raw HTTP requests whose path is sent byte for byte
 * (fetch would normalise `..` and `%2e%2e` away before the server ever saw them), and a few
 * tracking calls to set up runs.
 */
import { request } from 'node:http';
import { Readable } from 'node:stream';

export const PROXY = '/api/2.0/mlflow-artifacts/artifacts';
export const AJAX_PROXY = '/ajax-api/2.0/mlflow-artifacts/artifacts';

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

/** Calls a JSON endpoint of the tracking API and returns the parsed body (throws on non-200). */
export async function api<T = Record<string, unknown>>(
  baseUrl: string,
  method: 'GET' | 'POST',
  path: string,
  body?: Record<string, unknown>,
): Promise<T> {
  const init: RequestInit =
    method === 'GET'
      ? { method }
      : { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  const query = method === 'GET' && body ? `?${new URLSearchParams(body as Record<string, string>)}` : '';
  const response = await fetch(`${baseUrl}/api/2.0/mlflow/${path}${query}`, init);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${method} ${path} -> ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** Creates an experiment (optionally with an artifact location) and one run in it. */
export async function createRun(
  baseUrl: string,
  name: string,
  artifactLocation?: string,
): Promise<{ experimentId: string; runId: string; artifactUri: string }> {
  const { experiment_id: experimentId } = await api<{ experiment_id: string }>(baseUrl, 'POST', 'experiments/create', {
    name,
    ...(artifactLocation === undefined ? {} : { artifact_location: artifactLocation }),
  });
  const { run } = await api<{ run: { info: { run_id: string; artifact_uri: string } } }>(
    baseUrl,
    'POST',
    'runs/create',
    { experiment_id: experimentId, start_time: 1700000000000 },
  );
  return { experimentId, runId: run.info.run_id, artifactUri: run.info.artifact_uri };
}

/** The MLflow error JSON for an unsafe path. */
export const INVALID_PATH = { error_code: 'INVALID_PARAMETER_VALUE', message: 'Invalid path' };
