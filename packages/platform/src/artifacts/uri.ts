/** Server-side artifact URI helpers; the general ones (`uriScheme`, `appendToUri`) live in the contract. */
import { uriScheme } from '@keel/contract';

export { appendToUri, uriScheme } from '@keel/contract';

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
