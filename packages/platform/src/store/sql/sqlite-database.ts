/**
 * SQLite through better-sqlite3 (WAL), wrapped for Kysely with a prepared-statement cache:
 * Kysely prepares every statement anew, which costs more than running it.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MlflowError } from '@keel/contract';
import Database from 'better-sqlite3';
import { Kysely, type SqliteDatabase as KyselySqliteDatabase, SqliteDialect, sql } from 'kysely';
import type { SqlDatabase } from './sql-database.js';

const STATEMENT_CACHE_SIZE = 500;

export interface SqliteOptions {
  /** Milliseconds a writer waits for another process's lock before failing. */
  readonly busyTimeoutMs?: number;
}

/** Opens (creating if needed) a SQLite database file; `:memory:` works for throwaway stores. */
export function openSqliteDatabase<DB>(path: string, options: SqliteOptions = {}): SqlDatabase<DB> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const raw = new Database(path);
  raw.pragma('journal_mode = WAL');
  // NORMAL in WAL mode: a commit survives a process crash; only an OS crash may lose the last ones.
  raw.pragma('synchronous = NORMAL');
  raw.pragma('foreign_keys = ON');
  raw.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 30_000}`);
  raw.pragma('cache_size = -16000');
  raw.pragma('temp_store = MEMORY');

  const cache = new Map<string, Database.Statement>();
  const cachingDatabase: KyselySqliteDatabase = {
    close: () => raw.close(),
    prepare(text: string) {
      let statement = cache.get(text);
      if (statement === undefined) {
        statement = raw.prepare(text);
        if (cache.size >= STATEMENT_CACHE_SIZE) {
          const oldest = cache.keys().next().value;
          if (oldest !== undefined) cache.delete(oldest);
        }
        cache.set(text, statement);
      }
      return statement as unknown as ReturnType<KyselySqliteDatabase['prepare']>;
    },
  };
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: cachingDatabase }) });

  return {
    dialect: 'sqlite',
    db,
    maxParameters: 32_000,
    async transaction(fn) {
      try {
        return await db.connection().execute(async (conn) => {
          // IMMEDIATE takes the write lock up front, so two processes never deadlock on upgrade.
          await sql`begin immediate`.execute(conn);
          try {
            const result = await fn(conn);
            await sql`commit`.execute(conn);
            return result;
          } catch (error) {
            if (raw.inTransaction) await sql`rollback`.execute(conn);
            throw error;
          }
        });
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
