/**
 * Helpers for the artifact black-box suites: raw HTTP requests whose path is sent byte for byte
 * (fetch would normalise `..` and `%2e%2e` away before the server ever saw them), and a few
 * tracking calls to set up runs.
 */
export { type RawResponse, rawRequest } from '../support/http.js';

export const PROXY = '/api/2.0/mlflow-artifacts/artifacts';
export const AJAX_PROXY = '/ajax-api/2.0/mlflow-artifacts/artifacts';

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
