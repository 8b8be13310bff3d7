/**
 * How a client turns an artifact URI into a place to move bytes (artifacts.md §2, §5):
 * `mlflow-artifacts:` roots and fully qualified proxy URLs go through the tracking server's
 * proxy, local paths and `file:` URIs are written directly (Node), other schemes are refused.
 */
import { ARTIFACT_ROUTES, ARTIFACTS_PREFIX, invalidParameter } from '@keel/contract';

/**
 * Where a proxied artifact root lives: which server, and the path below the proxy's destination.
 *
 * @example
 * const { base, path } = resolveProxyLocation(run.info.artifact_uri, client.config.trackingUri);
 */
export interface ProxyLocation {
  /** Absolute base URL of another server (`http://host:5000/base`), or '' for the transport's own. */
  readonly base: string;
  /** Destination-relative path of the root, without leading or trailing `/`. */
  readonly path: string;
}

const PROXY_ANCHOR = `${ARTIFACTS_PREFIX}${ARTIFACT_ROUTES.artifacts}`;

/**
 * The URI scheme in lower case, or '' for a plain path (a Windows drive letter is a path).
 *
 * @example
 * artifactUriScheme('s3://bucket/x'); // 's3'
 */
export function artifactUriScheme(uri: string): string {
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(uri);
  if (match === null || /^[a-zA-Z]:[\\/]/.test(uri)) return '';
  return (match[1] as string).toLowerCase();
}

/**
 * Whether the URI is a local path or `file:` URI, written directly from Node.
 *
 * @example
 * isLocalArtifactUri('/data/artifacts'); // true
 */
export function isLocalArtifactUri(uri: string): boolean {
  const scheme = artifactUriScheme(uri);
  return scheme === '' || scheme === 'file';
}

/**
 * Whether the URI goes through a tracking server's artifact proxy.
 *
 * @example
 * isProxyArtifactUri('mlflow-artifacts:/1/abc/artifacts'); // true
 */
export function isProxyArtifactUri(uri: string): boolean {
  const scheme = artifactUriScheme(uri);
  return scheme === 'mlflow-artifacts' || ((scheme === 'http' || scheme === 'https') && uri.includes(PROXY_ANCHOR));
}

function trimSlashes(path: string): string {
  return path.replace(/^\/+/, '').replace(/\/+$/, '');
}

/**
 * Resolves a proxied root against the tracking URI, with MLflow's rules: the server is the
 * URI's own `host:port` when it has one (scheme and base path from the tracking URI), else the
 * tracking server itself. A host-less netloc (`mlflow-artifacts://:5000/x`) is refused.
 *
 * @example
 * resolveProxyLocation('mlflow-artifacts:/3/abc/artifacts', 'http://127.0.0.1:5000'); // { base: '', path: '3/abc/artifacts' }
 */
export function resolveProxyLocation(uri: string, trackingUri: string): ProxyLocation {
  const scheme = artifactUriScheme(uri);
  if (scheme === 'http' || scheme === 'https') {
    const at = uri.indexOf(PROXY_ANCHOR);
    const rest = uri.slice(at + PROXY_ANCHOR.length).split('?', 1)[0] ?? '';
    return { base: uri.slice(0, at), path: trimSlashes(decodeURIComponent(rest)) };
  }
  const rest = uri.slice('mlflow-artifacts:'.length);
  if (!rest.startsWith('//')) return { base: '', path: trimSlashes(decodeURIComponent(rest)) };
  const slash = rest.indexOf('/', 2);
  const netloc = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
  const path = slash < 0 ? '' : rest.slice(slash);
  if (netloc === '') return { base: '', path: trimSlashes(decodeURIComponent(path)) };
  const host = netloc.replace(/:\d*$/, '');
  if (host === '' || /^\d+$/.test(host)) {
    throw invalidParameter(
      `The artifact URI '${uri}' names a port but no host; expected mlflow-artifacts://host:port/path.`,
    );
  }
  if (!/^https?:\/\//i.test(trackingUri)) {
    throw invalidParameter(
      `The artifact URI '${uri}' names a server, but the tracking URI '${trackingUri}' is not http(s), so there is no scheme to reach it with.`,
    );
  }
  const tracking = new URL(trackingUri);
  const basePath = tracking.pathname.replace(/\/+$/, '');
  return { base: `${tracking.protocol}//${netloc}${basePath}`, path: trimSlashes(decodeURIComponent(path)) };
}

/**
 * Refuses an artifact path that is not already normalised (`a/../b`, `./a`, `/a`, `..`, `a//b`),
 * as MLflow's client does. The empty string means the root.
 *
 * @example
 * validateArtifactPath('plots/loss.png'); // ok
 */
export function validateArtifactPath(path: string): void {
  if (path === '') return;
  const segments = path.split('/');
  const bad = path.startsWith('/') || path.includes('\\') || segments.some((s) => s === '' || s === '.' || s === '..');
  if (bad) throw invalidParameter(`Invalid artifact path: '${path}'`);
}

/**
 * Joins relative artifact path segments with `/`, skipping empty ones.
 *
 * @example
 * joinArtifactPath('', 'model', 'MLmodel'); // 'model/MLmodel'
 */
export function joinArtifactPath(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('/');
}

/**
 * The last segment of a `/`-separated path.
 *
 * @example
 * baseName('model/MLmodel'); // 'MLmodel'
 */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * Everything before the last `/` of a path, or ''.
 *
 * @example
 * dirName('model/MLmodel'); // 'model'
 */
export function dirName(path: string): string {
  const at = path.lastIndexOf('/');
  return at < 0 ? '' : path.slice(0, at);
}

const TEXT_EXTENSIONS = new Set(
  'txt log err cfg conf cnf cf ini properties prop hocon toml yaml yml xml json js py py3 csv tsv md rst'.split(' '),
);
const MIME_TYPES: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  svg: 'image/svg+xml',
  html: 'text/html',
  pdf: 'application/pdf',
};

/**
 * The Content-Type MLflow's client sends for a file name (text types for text-like names).
 *
 * @example
 * guessContentType('metrics.csv'); // 'text/plain'
 */
export function guessContentType(name: string): string {
  const base = baseName(name);
  const dot = base.lastIndexOf('.');
  const extension = dot < 0 ? '' : base.slice(dot + 1).toLowerCase();
  if (TEXT_EXTENSIONS.has(extension) || base === 'MLmodel' || base === 'MLproject') return 'text/plain';
  return MIME_TYPES[extension] ?? 'application/octet-stream';
}
