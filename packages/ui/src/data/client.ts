/**
 * The UI's one door to the server: a `KeelClient` whose calls go to the `/ajax-api` twins under
 * the page's own path, so the UI works behind `--static-prefix` and a reverse proxy that only
 * forwards that prefix. Nothing else in the UI calls `fetch` for the API.
 */
import { KeelClient } from '@keel/client';

/** The prefix the UI is served under ('' at the root): the page's path without its last segment. */
export function uiBasePath(pathname: string): string {
  return pathname.replace(/\/[^/]*$/, '');
}

/** Maps a public API URL to its ajax twin under `prefix` (`/api/2.0/mlflow/x` -> `/p/ajax-api/2.0/mlflow/x`). */
export function toAjaxUrl(url: string, prefix: string): string {
  const parsed = new URL(url);
  parsed.pathname = parsed.pathname.replace(/^\/api\/2\.0\/(mlflow|keel)\//, `${prefix}/ajax-api/2.0/$1/`);
  return parsed.href;
}

/** A client for the server that served this page. */
export function createUiClient(location: Pick<Location, 'origin' | 'pathname'>): KeelClient {
  const prefix = uiBasePath(location.pathname);
  return new KeelClient({
    trackingUri: location.origin,
    // The browser shows errors at once; a UI waiting through long retries looks frozen.
    retry: { maxRetries: 1 },
    requestTimeoutMs: 60_000,
    fetch: (url, init) => fetch(toAjaxUrl(url, prefix), init),
  });
}

/** The artifact download URL of a run file (served by the UI artifact route, under the prefix). */
export function runArtifactUrl(prefix: string, runId: string, path: string): string {
  return `${prefix}/get-artifact?${new URLSearchParams({ path, run_uuid: runId })}`;
}

/** The artifact download URL of a model version file. */
export function modelVersionArtifactUrl(prefix: string, name: string, version: string, path: string): string {
  return `${prefix}/model-versions/get-artifact?${new URLSearchParams({ path, name, version })}`;
}
