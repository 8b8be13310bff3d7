/**
 * The narrow database handle every SQL store is written against: a Kysely instance, the
 * dialect's name for the few places where SQL differs, and a write-transaction helper that
 * translates driver errors into MLflow errors.
 */
import type { CompiledQuery, Kysely } from 'kysely';

export type SqlDialectName = 'sqlite' | 'postgres';

export interface SqlDatabase<DB> {
  readonly dialect: SqlDialectName;
  readonly db: Kysely<DB>;
  /**
   * Runs `fn` in one write transaction. Use only the handle passed to `fn` inside it: on SQLite
   * the single connection is held for the whole call. Driver errors are translated to
   * MLflow errors (locked or unreachable database -> TEMPORARILY_UNAVAILABLE, constraint
   * violations -> BAD_REQUEST).
   */
  transaction<T>(fn: (trx: Kysely<DB>) => Promise<T>): Promise<T>;
  /**
   * Like `transaction`, but group-committed: concurrent writes share one transaction, each in
   * its own savepoint (see `group-commit.ts`). For small, frequent writes on hot paths.
   */
  write<T>(fn: (trx: Kysely<DB>) => Promise<T>): Promise<T>;
  /** Runs a read, translating driver errors the same way. */
  read<T>(fn: (db: Kysely<DB>) => Promise<T>): Promise<T>;
  /** Largest number of bound parameters one statement may carry. */
  readonly maxParameters: number;
  close(): Promise<void>;
}

/**
 * An optional ability: running one self-contained statement outside any transaction (the
 * statement is atomic by itself). PostgreSQL offers it, so a metrics-only batch costs one round
 * trip instead of five; SQLite's in-process transactions cost nothing to begin.
 */
export interface SingleStatementWrites {
  /**
   * Runs `query`, one statement whose repetition is harmless: it is retried after deadlocks,
   * serialization failures and lost connections, and a connection lost after the database ran
   * it makes it run twice. Its SQL text must be the same at every call with one `name`: the
   * database parses and plans it once per connection (a named prepared statement) and
   * afterwards receives only the parameters.
   */
  statement<R>(name: string, query: CompiledQuery<R>): Promise<R[]>;
}

/** Whether `database` can run single statements outside a transaction. */
export function runsSingleStatements<DB>(
  database: SqlDatabase<DB>,
): database is SqlDatabase<DB> & SingleStatementWrites {
  return typeof (database as Partial<SingleStatementWrites>).statement === 'function';
}
