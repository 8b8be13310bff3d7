/** Joining and inspecting URIs without touching storage (shared by server and clients). */

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;

/** The URI scheme in lower case (`s3`, `mlflow-artifacts`), or '' for a plain path. */
export function uriScheme(uri: string): string {
  const match = SCHEME.exec(uri);
  // A Windows drive letter (`C:\x`) is a path, not a scheme.
  if (match === null || /^[a-zA-Z]:[\\/]/.test(uri)) return '';
  return (match[1] as string).toLowerCase();
}

/**
 * Appends POSIX path segments to a URI's path, keeping any query string:
 * `mlflow-artifacts:/` + `3` -> `mlflow-artifacts:/3`, `s3://b/p?x=1` + `a` -> `s3://b/p/a?x=1`.
 */
export function appendToUri(uri: string, ...segments: string[]): string {
  const queryAt = uri.indexOf('?');
  const base = queryAt < 0 ? uri : uri.slice(0, queryAt);
  const query = queryAt < 0 ? '' : uri.slice(queryAt);
  const tail = segments.filter((s) => s !== '').join('/');
  if (tail === '') return uri;
  const joined = base.endsWith('/') ? base + tail : `${base}/${tail}`;
  return joined + query;
}
