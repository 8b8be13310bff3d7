/** SQLite through better-sqlite3 in WAL mode, as a `SqlDatabase`. */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MlflowError } from '@keel/contract';
import Database from 'better-sqlite3';
import { Kysely } from 'kysely';
import type { Durability } from '../../durability.js';
import { GroupCommitter } from './group-commit.js';
import type { SqlDatabase } from './sql-database.js';
import { KeelSqliteDialect } from './sqlite-driver.js';

export interface SqliteOptions {
  /** Milliseconds a writer waits for another process's lock before failing. */
  readonly busyTimeoutMs?: number;
  /** `durable` (default): every commit is fsynced; `relaxed`: only WAL checkpoints are. */
  readonly durability?: Durability;
}

/**
 * SQLite's `synchronous` level per durability. In WAL mode FULL fsyncs the log at every commit,
 * so a commit survives power loss; NORMAL fsyncs only at checkpoints, so a commit survives a
 * crash of the process but the last ones may be lost with the machine. Group commit makes FULL
 * cheap: concurrent writes share one transaction and therefore one fsync.
 */
export const SQLITE_SYNCHRONOUS: Readonly<Record<Durability, 'FULL' | 'NORMAL'>> = Object.freeze({
  durable: 'FULL',
  relaxed: 'NORMAL',
});

/** Opens (creating if needed) a SQLite database file; `:memory:` works for throwaway stores. */
export function openSqliteDatabase<DB>(path: string, options: SqliteOptions = {}): SqlDatabase<DB> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const raw = new Database(path);
  raw.pragma('journal_mode = WAL');
  raw.pragma(`synchronous = ${SQLITE_SYNCHRONOUS[options.durability ?? 'durable']}`);
  raw.pragma('foreign_keys = ON');
  raw.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 30_000}`);
  raw.pragma('cache_size = -4000');
  raw.pragma('temp_store = MEMORY');

  const db = new Kysely<DB>({ dialect: new KeelSqliteDialect(raw) });
  const committer = new GroupCommitter<DB>((fn) => db.transaction().execute(fn));
  return {
    dialect: 'sqlite',
    db,
    maxParameters: 32_000,
    async transaction(fn) {
      try {
        return await db.transaction().execute(fn);
      } catch (error) {
        throw translateSqliteError(error);
      }
    },
    async write(fn) {
      try {
        return await committer.write(fn);
      } catch (error) {
        throw translateSqliteError(error);
      }
    },
    async read(fn) {
      try {
        return await fn(db);
      } catch (error) {
        throw translateSqliteError(error);
      }
    },
    async close() {
      await db.destroy();
    },
  };
}

function translateSqliteError(error: unknown): unknown {
  if (error instanceof MlflowError || !(error instanceof Error)) return error;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return error;
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED') || code === 'SQLITE_CANTOPEN') {
    return new MlflowError('TEMPORARILY_UNAVAILABLE', error.message, { cause: error });
  }
  if (code.startsWith('SQLITE_CONSTRAINT')) return new MlflowError('BAD_REQUEST', error.message, { cause: error });
  return error;
}
