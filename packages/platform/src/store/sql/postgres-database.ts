/**
 * PostgreSQL through a `pg` connection pool, as a `SqlDatabase`. Transactions that fail for a
 * reason a retry may cure (a deadlock, a serialization failure, a connection lost before the
 * commit was sent, a unique key taken by a concurrent transaction) are run again here, so the
 * stores above never see them; what still fails is translated into MLflow errors
 * (`postgres-errors.ts`). This module is loaded only when a `postgresql://` store is opened.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type CompiledQuery, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { classifyPostgresError, describeConnectFailure, translatePostgresError } from './postgres-errors.js';
import type { SingleStatementWrites, SqlDatabase } from './sql-database.js';

export interface PostgresOptions {
  /** Most connections the pool opens (MLflow's MLFLOW_SQLALCHEMYSTORE_POOL_SIZE). */
  readonly poolSize?: number;
  /** Milliseconds to wait for a free pooled connection or a new one before failing. */
  readonly connectTimeoutMs?: number;
}

export const DEFAULT_POOL_SIZE = 10;
/** Attempts of one operation, the first included. */
const MAX_ATTEMPTS = 6;
/** A unique-key race needs one more attempt: the re-run sees the other transaction's row. */
const MAX_UNIQUE_RETRIES = 2;

/** OIDs of int8 (bigint, count(*)) and numeric: parsed as numbers (ms timestamps fit in 2^53). */
const INT8_OID = 20;
const NUMERIC_OID = 1700;

/** `postgresql+psycopg2://...` (MLflow's SQLAlchemy form) -> `postgresql://...`. */
export function postgresConnectionString(uri: string): string {
  return uri.replace(/^postgres(ql)?(\+\w+)?:/i, 'postgresql:');
}

/** `user@host:port/db`, for messages (never the password). */
export function describePostgresTarget(uri: string): string {
  try {
    const url = new URL(postgresConnectionString(uri));
    const user = url.username === '' ? '' : `${decodeURIComponent(url.username)}@`;
    const host = url.hostname === '' ? (url.searchParams.get('host') ?? 'localhost') : url.hostname;
    return `${user}${host}:${url.port || '5432'}${url.pathname}`;
  } catch {
    return 'the configured server';
  }
}

/** Backoff before attempt `attempt` (1-based retry count): 10, 20, 40 ... ms with jitter, capped. */
function backoffMs(attempt: number): number {
  const base = Math.min(400, 10 * 2 ** (attempt - 1));
  return base / 2 + Math.random() * base;
}

/**
 * Runs `operation` until it succeeds or fails for good. `isCommitting` tells whether the
 * failed attempt had already asked to commit: a connection lost then leaves the outcome
 * unknown, so that attempt is not repeated (the client gets a 503 and decides).
 */
async function withRetries<T>(operation: (attempt: { committing: boolean }) => Promise<T>): Promise<T> {
  let uniqueRetries = 0;
  for (let attempt = 1; ; attempt++) {
    const state = { committing: false };
    try {
      return await operation(state);
    } catch (error) {
      const failure = classifyPostgresError(error);
      const retryable =
        attempt < MAX_ATTEMPTS &&
        (failure === 'conflict' ||
          (failure === 'connection' && !state.committing) ||
          (failure === 'unique' && !state.committing && uniqueRetries++ < MAX_UNIQUE_RETRIES));
      if (!retryable) throw translatePostgresError(error);
      await sleep(failure === 'unique' ? 0 : backoffMs(attempt));
    }
  }
}

/** SQLSTATEs of a named statement the server does not have, or already has under that name. */
const STATEMENT_NAME_CODES = new Set(['26000', '42P05']);

/**
 * Runs statements as named prepared statements: `pg` parses each on a connection the first time
 * and then sends only the parameters, which saves PostgreSQL parsing and planning the statement
 * at every call. A pooler that hands each transaction another server connection (PgBouncer in
 * transaction mode, before version 1.21) loses them: the first such failure turns names off
 * for the pool and the statement runs again unnamed.
 */
class NamedStatements {
  private readonly texts = new Map<string, string>();
  private enabled = true;

  async run<R>(pool: pg.Pool, name: string, query: CompiledQuery<R>): Promise<R[]> {
    const known = this.texts.get(name);
    if (known === undefined) this.texts.set(name, query.sql);
    else if (known !== query.sql) throw new Error(`Statement '${name}' was given two different SQL texts`);
    const values = [...query.parameters];
    if (this.enabled) {
      try {
        return (await pool.query<R & pg.QueryResultRow>({ name, text: query.sql, values })).rows;
      } catch (error) {
        if (!STATEMENT_NAME_CODES.has((error as { code?: string }).code ?? '')) throw error;
        this.enabled = false;
      }
    }
    return (await pool.query<R & pg.QueryResultRow>(query.sql, values)).rows;
  }
}

/**
 * Opens a pool on a `postgresql://user:password@host:port/database` URI and checks that it can
 * connect, failing with one clear line (wrong host, credentials or database) when it cannot.
 */
export async function openPostgresDatabase<DB>(
  uri: string,
  options: PostgresOptions = {},
): Promise<SqlDatabase<DB> & SingleStatementWrites> {
  const target = describePostgresTarget(uri);
  const pool = new pg.Pool({
    connectionString: postgresConnectionString(uri),
    max: options.poolSize ?? DEFAULT_POOL_SIZE,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    idleTimeoutMillis: 30_000,
    application_name: 'keel',
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID || oid === NUMERIC_OID
          ? (value: string) => Number(value)
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // A connection whose server went away emits 'error': on the pool while idle, on the client
  // while checked out (between two statements of a transaction). Without listeners the process
  // would crash; the statement in progress or the next one fails instead, is retried on a new
  // connection, and the broken one is dropped.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  try {
    await pool.query('select 1');
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new Error(describeConnectFailure(error, target), { cause: error });
  }

  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  const statements = new NamedStatements();
  const transaction: SqlDatabase<DB>['transaction'] = (fn) =>
    withRetries((attempt) =>
      db.transaction().execute(async (trx) => {
        const value = await fn(trx);
        attempt.committing = true;
        return value;
      }),
    );
  return {
    dialect: 'postgres',
    db,
    maxParameters: 65_000,
    transaction,
    // Group commit is SQLite's remedy for its single writer; PostgreSQL commits concurrently.
    write: transaction,
    read: (fn) => withRetries(() => fn(db)),
    statement: (name, query) => withRetries(() => statements.run(pool, name, query)),
    async close() {
      await db.destroy();
    },
  };
}
