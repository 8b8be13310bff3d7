/**
 * Store URIs users paste from their `mlflow server` command lines. MLflow also accepts a
 * directory or a `file:` URI there (its file store of `meta.yaml` files); Keel keeps metadata
 * only in a database, so such a URI is refused at start with the URI to use instead, rather
 * than failing later with "unsupported scheme".
 */
import { fileStoreImportHint } from '../store/local-store-uri.js';

/** Whether a store URI is a local path or `file:` URI (no database scheme). */
function isPathUri(uri: string): boolean {
  if (/^file:/i.test(uri)) return true;
  // A scheme is letters then `:`; a Windows drive (`C:\`) is a path.
  return !/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(uri) || /^[a-zA-Z]:[\\/]/.test(uri);
}

/**
 * Returns `uri` unchanged when it names a database; throws a one-line error naming `sqlite:///`
 * when it is a path (MLflow's file store).
 *
 * @example
 * checkStoreUri('--backend-store-uri', './mlruns'); // throws: ... use --backend-store-uri sqlite:///mlflow.db
 */
export function checkStoreUri(flag: string, uri: string): string {
  if (!isPathUri(uri)) return uri;
  const path = uri.replace(/^file:(\/\/)?/i, '');
  const suggestion = /\.(db|sqlite3?)$/i.test(path) ? `sqlite:///${path}` : 'sqlite:///mlflow.db';
  throw new Error(
    `${flag} '${uri}' is a path, which MLflow reads as its file store (directories of meta.yaml files); Keel keeps metadata in a database: use ${flag} ${suggestion} (a SQLite file, created if missing); ${fileStoreImportHint(path)}.`,
  );
}
