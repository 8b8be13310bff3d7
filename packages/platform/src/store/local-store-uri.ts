/**
 * Local store URIs as the SDK and the CLI accept them: `sqlite:` URIs, paths ending in
 * `.db`/`.sqlite`/`.sqlite3`, and directories (which hold `mlflow.db`). A directory that is
 * MLflow's own file store (`mlruns/` with `meta.yaml` files) is refused with a message naming
 * the database URI to use instead, rather than getting a new database dropped into it.
 */
import { existsSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { invalidParameter } from '@keel/contract';
import { sqlitePathFromUri, storeScheme } from './sql/open-database.js';

/**
 * How the runs of an MLflow file store get into Keel: `keel import-mlflow` reads MLflow's
 * databases, and MLflow (3.10+) converts its file store into one.
 *
 * @example
 * fileStoreImportHint('./mlruns'); // "to bring its runs over, convert it with MLflow 3.10+ ..."
 */
export function fileStoreImportHint(dir: string): string {
  return `to bring its runs over, convert it with MLflow 3.10+ (mlflow migrate-filestore --source ${dir} --target sqlite:///mlflow-filestore.db), then run keel import-mlflow --from sqlite:///mlflow-filestore.db`;
}

/** The advice every "that is MLflow's file store" message ends with. */
export const FILE_STORE_ADVICE =
  "Keel keeps metadata in a database and does not read MLflow's file store (mlruns/ directories of meta.yaml files): use a SQLite file such as sqlite:///mlflow.db";

/** Whether `dir` looks like MLflow's file store: experiment folders with `meta.yaml`, or its `.trash`. */
export function isMlflowFileStore(dir: string): boolean {
  return existsSync(join(dir, '.trash')) || existsSync(join(dir, '0', 'meta.yaml'));
}

/**
 * Maps a local store URI to a SQLite store URI and the directory that holds it.
 *
 * @example
 * resolveLocalStore('./runs', '/work'); // { storeUri: 'sqlite:////work/runs/mlflow.db', directory: '/work/runs' }
 */
export function resolveLocalStore(uri: string, cwd: string): { storeUri: string; directory: string } {
  const scheme = storeScheme(uri);
  if (scheme === 'sqlite') {
    const path = sqlitePathFromUri(uri, cwd);
    return { storeUri: uri, directory: path === ':memory:' ? cwd : dirname(path) };
  }
  if (scheme !== '' && scheme !== 'file' && !/^[a-zA-Z]:[\\/]/.test(uri)) return { storeUri: uri, directory: cwd };
  const raw = scheme === 'file' ? fileURLToPath(uri) : uri;
  const path = isAbsolute(raw) ? raw : resolve(cwd, raw);
  if (['.db', '.sqlite', '.sqlite3'].includes(extname(path)))
    return { storeUri: `sqlite:///${path}`, directory: dirname(path) };
  if (isMlflowFileStore(path))
    throw invalidParameter(`'${uri}' is an MLflow file store. ${FILE_STORE_ADVICE}; ${fileStoreImportHint(raw)}.`);
  return { storeUri: `sqlite:///${join(path, 'mlflow.db')}`, directory: path };
}

/**
 * The database file a local store URI names, or undefined when it names none (an in-memory
 * database, or a server database such as `postgresql://`).
 *
 * @example
 * localStoreFile('sqlite:///mlflow.db', '/work'); // '/work/mlflow.db'
 */
export function localStoreFile(uri: string, cwd: string): string | undefined {
  const { storeUri } = resolveLocalStore(uri, cwd);
  if (storeScheme(storeUri) !== 'sqlite') return undefined;
  const path = sqlitePathFromUri(storeUri, cwd);
  return path === ':memory:' ? undefined : path;
}
