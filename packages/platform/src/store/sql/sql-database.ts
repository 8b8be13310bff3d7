/**
 * The narrow database handle every SQL store is written against: a Kysely instance, the
 * dialect's name for the few places where SQL differs, and a write-transaction helper that
 * translates driver errors into MLflow errors.
 */
import type { Kysely } from 'kysely';

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
