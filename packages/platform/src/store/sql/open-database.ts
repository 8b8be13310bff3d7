/**
 * Opens the SQL database named by a store URI. Dialects are picked by URI scheme from a plain
 * map; heavy drivers are loaded only when their scheme is used.
 */
import { isAbsolute, resolve } from 'node:path';
import { invalidParameter } from '@keel/contract';
import type { Durability } from '../../durability.js';
import type { SqlDatabase } from './sql-database.js';

/** How a database is opened, beyond its URI. */
export interface OpenDatabaseOptions {
  /** Most pooled connections (PostgreSQL; SQLite has one). */
  readonly poolSize?: number;
  /** Whether a commit must survive power loss (default) or only a process crash (SQLite). */
  readonly durability?: Durability;
}

type Opener = (uri: string, cwd: string, options: OpenDatabaseOptions) => Promise<SqlDatabase<unknown>>;

const openPostgres: Opener = async (uri, _cwd, options) => {
  const { openPostgresDatabase } = await import('./postgres-database.js');
  return openPostgresDatabase(uri, options);
};

/** `sqlite:///relative.db` is relative to `cwd`; `sqlite:////abs/path.db` is absolute. */
export function sqlitePathFromUri(uri: string, cwd: string): string {
  const rest = uri.replace(/^sqlite(\+\w+)?:\/\//, '');
  if (rest === '' || rest === '/:memory:' || rest === ':memory:') return ':memory:';
  // After `sqlite://` comes `/<path>`: one slash means relative, two mean absolute.
  const path = rest.startsWith('/') ? rest.slice(1) : rest;
  return isAbsolute(path) ? path : resolve(cwd, path);
}

const OPENERS = new Map<string, Opener>([
  [
    'sqlite',
    async (uri, cwd, options) => {
      const { openSqliteDatabase } = await import('./sqlite-database.js');
      return openSqliteDatabase(sqlitePathFromUri(String(uri), cwd), options);
    },
  ],
  ['postgresql', openPostgres],
  ['postgres', openPostgres],
]);

/** The dialect scheme of a store URI (`postgresql+psycopg2://` -> `postgresql`). */
export function storeScheme(uri: string): string {
  const match = /^([a-zA-Z][a-zA-Z0-9]*)(\+[\w]+)?:/.exec(uri);
  return match?.[1]?.toLowerCase() ?? '';
}

/** Opens the database of a backend store URI; an unknown scheme names the supported ones. */
export async function openSqlDatabase<DB>(
  uri: string,
  cwd: string,
  options: OpenDatabaseOptions = {},
): Promise<SqlDatabase<DB>> {
  const scheme = storeScheme(uri);
  const opener = OPENERS.get(scheme);
  if (opener === undefined) {
    throw invalidParameter(
      `Unsupported backend store URI '${uri}'. Supported schemes: ${[...OPENERS.keys()].map((s) => `${s}://`).join(', ')}`,
    );
  }
  return (await opener(uri, cwd, options)) as SqlDatabase<DB>;
}
