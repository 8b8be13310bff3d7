/** Joining and inspecting artifact URIs without touching storage. */

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

/** The route every fully qualified proxy URL is anchored at (artifacts.md §4). */
const PROXY_HTTP_ANCHOR = '/api/2.0/mlflow-artifacts/artifacts';

/**
 * The destination-relative path of a proxied artifact URI, still percent-encoded, or undefined
 * when `uri` is not proxied: `mlflow-artifacts:/3/r/artifacts` and
 * `mlflow-artifacts://host:5000/3/r/artifacts` -> `3/r/artifacts`;
 * `https://host/base/api/2.0/mlflow-artifacts/artifacts/3/r` -> `3/r`.
 */
export function proxiedArtifactPath(uri: string): string | undefined {
  const scheme = uriScheme(uri);
  if (scheme !== 'mlflow-artifacts' && scheme !== 'http' && scheme !== 'https') return undefined;
  let rest = uri.slice(scheme.length + 1).replace(/[?#].*$/s, '');
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    rest = slash < 0 ? '' : rest.slice(slash);
  }
  if (scheme !== 'mlflow-artifacts') {
    const at = rest.indexOf(PROXY_HTTP_ANCHOR);
    if (at < 0) return undefined;
    const after = rest.slice(at + PROXY_HTTP_ANCHOR.length);
    if (after !== '' && !after.startsWith('/')) return undefined;
    rest = after;
  }
  return rest.replace(/^\/+/, '');
}
