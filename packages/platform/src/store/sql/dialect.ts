/**
 * Every difference between the SQL databases Keel runs on, in one place. The stores are
 * written once against Kysely; where SQLite and PostgreSQL need different SQL, types or
 * behaviour, they ask the `SqlDialect` of their database.
 *
 * - LIKE: case-sensitive on PostgreSQL, ASCII-case-insensitive on SQLite, so a case-sensitive
 *   LIKE is GLOB on SQLite and ILIKE is SQLite's LIKE (ASCII folding only).
 * - Text ordering: SQLite compares code points; PostgreSQL uses the database collation unless
 *   "C" is asked for.
 * - Integer and binary types, autoincrement (INTEGER PRIMARY KEY AUTOINCREMENT vs identity).
 * - Bound-parameter limits (SQLite 32,766; PostgreSQL 65,535).
 * - JSON aggregation (the run loader turns child rows into one JSON array per run).
 * - Group commit: SQLite has one writer, so sharing its transaction among concurrent requests
 *   saves commits; PostgreSQL runs transactions in parallel on a pool of connections, and
 *   sharing one there would only tie unrelated requests' locks together.
 * - Row locks (`for update`) and the migration lock (a PostgreSQL advisory lock; SQLite's write
 *   transaction is already exclusive).
 * - Query plans (`explain query plan` vs `explain`).
 * Upserts (`on conflict ... do update set x = excluded.x`), row-value comparisons, RETURNING
 * and booleans stored as 0/1 integers are written the same way on both.
 */
import {
  type ColumnDefinitionBuilder,
  CompiledQuery,
  type Expression,
  type Kysely,
  type RawBuilder,
  type SqlBool,
  sql,
} from 'kysely';
import { type LikePiece, toEscapedLikePattern, toGlobPattern } from '../../search/index.js';
import type { SqlDialectName } from './sql-database.js';

export interface SqlDialect {
  readonly name: SqlDialectName;
  /** Largest number of bound parameters one statement may carry (with a margin). */
  readonly maxParameters: number;
  /** Whether concurrent writes share one transaction (see `group-commit.ts`). */
  readonly groupCommit: boolean;
  /** Column type of binary data. */
  readonly binaryType: 'blob' | 'bytea';
  /** Type of an auto-assigned id column that may grow past 2^31 (SQLite's rowid alias must be INTEGER). */
  readonly bigIdType: 'integer' | 'bigint';
  /** Makes an integer column an auto-assigned primary key. */
  autoIncrementPrimaryKey(column: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
  /**
   * Creates the index that finds a param's or tag's runs by value (`key = ? and value = ?`).
   * Values may be 8,000 characters: over PostgreSQL's B-tree entry limit (~2.7 kB), so there it
   * is a hash index on the value (equality only, any length); SQLite's B-tree takes any size.
   */
  createValueIndex(db: Kysely<unknown>, name: string, table: string): Promise<void>;
  /** Table option that stores rows in primary-key order (SQLite's WITHOUT ROWID), or nothing. */
  readonly clusteredTable: RawBuilder<unknown>;
  /** `column LIKE pattern`, case-sensitive. */
  like(column: Expression<unknown>, pattern: readonly LikePiece[]): RawBuilder<SqlBool>;
  /** `column ILIKE pattern`, case-insensitive. */
  ilike(column: Expression<unknown>, pattern: readonly LikePiece[]): RawBuilder<SqlBool>;
  /** `value` as a sort key that orders strings by code point. */
  textOrder(value: Expression<unknown>): RawBuilder<unknown>;
  /** Aggregates the columns of a group's rows into one JSON array of arrays. */
  jsonRows(columns: readonly string[]): RawBuilder<string>;
  /** Reads what `jsonRows` returned (text on SQLite, parsed JSON on PostgreSQL). */
  parseJsonRows(value: unknown): unknown[][];
  /**
   * Locks the rows a SELECT reads until the transaction ends (`for update` on PostgreSQL, taken
   * in the query's order); SQLite's write transaction already excludes every other writer.
   */
  lockRows<QB extends { forUpdate(): QB }>(query: QB): QB;
  /**
   * Runs `fn` holding the database-wide migration lock, on `db` bound to one connection: two
   * processes starting together never migrate at the same time (the second then finds nothing
   * pending). SQLite: an exclusive write transaction, so migrations also apply all or nothing.
   */
  withMigrationLock<T>(db: Kysely<unknown>, fn: () => Promise<T>): Promise<T>;
  /** The query plan of a compiled statement, one line per plan node. */
  explain(db: Kysely<unknown>, query: CompiledQuery): Promise<string[]>;
}

/** Key of the advisory lock held while migrating (any constant; "keel" in ASCII). */
const MIGRATION_LOCK_KEY = 0x6b65656c;

const SQLITE: SqlDialect = {
  name: 'sqlite',
  maxParameters: 32_000,
  groupCommit: true,
  binaryType: 'blob',
  bigIdType: 'integer',
  autoIncrementPrimaryKey: (column) => column.primaryKey().autoIncrement(),
  createValueIndex: async (db, name, table) => {
    await db.schema.createIndex(name).on(table).columns(['key', 'value']).execute();
  },
  clusteredTable: sql`without rowid`,
  like: (column, pattern) => sql<SqlBool>`${column} glob ${toGlobPattern(pattern)}`,
  ilike: (column, pattern) => sql<SqlBool>`${column} like ${toEscapedLikePattern(pattern)} escape '\\'`,
  textOrder: (value) => sql`${value}`,
  jsonRows: (columns) => sql<string>`json_group_array(json_array(${sql.join(columns.map((c) => sql.ref(c)))}))`,
  parseJsonRows: (value) => JSON.parse(value as string) as unknown[][],
  lockRows: (query) => query,
  withMigrationLock: async (db, fn) => {
    await sql`begin immediate`.execute(db);
    try {
      const result = await fn();
      await sql`commit`.execute(db);
      return result;
    } catch (error) {
      await sql`rollback`.execute(db).catch(() => undefined);
      throw error;
    }
  },
  explain: async (db, query) => {
    const plan = CompiledQuery.raw(`explain query plan ${query.sql}`, [...query.parameters]);
    const { rows } = await db.executeQuery<{ detail: string }>(plan);
    return rows.map((r) => r.detail);
  },
};

const POSTGRES: SqlDialect = {
  name: 'postgres',
  maxParameters: 65_000,
  groupCommit: false,
  binaryType: 'bytea',
  bigIdType: 'bigint',
  autoIncrementPrimaryKey: (column) => column.primaryKey().generatedByDefaultAsIdentity(),
  createValueIndex: async (db, name, table) => {
    await db.schema.createIndex(name).on(table).using('hash').column('value').execute();
  },
  clusteredTable: sql``,
  like: (column, pattern) => sql<SqlBool>`${column} like ${toEscapedLikePattern(pattern)} escape '\\'`,
  ilike: (column, pattern) => sql<SqlBool>`${column} ilike ${toEscapedLikePattern(pattern)} escape '\\'`,
  textOrder: (value) => sql`${value} collate "C"`,
  jsonRows: (columns) => sql<string>`json_agg(json_build_array(${sql.join(columns.map((c) => sql.ref(c)))}))`,
  parseJsonRows: (value) => (typeof value === 'string' ? JSON.parse(value) : value) as unknown[][],
  lockRows: (query) => query.forUpdate(),
  withMigrationLock: async (db, fn) => {
    await sql`select pg_advisory_lock(${sql.lit(MIGRATION_LOCK_KEY)})`.execute(db);
    try {
      return await fn();
    } finally {
      await sql`select pg_advisory_unlock(${sql.lit(MIGRATION_LOCK_KEY)})`.execute(db);
    }
  },
  explain: async (db, query) => {
    const plan = CompiledQuery.raw(`explain ${query.sql}`, [...query.parameters]);
    const { rows } = await db.executeQuery<{ 'QUERY PLAN': string }>(plan);
    return rows.map((r) => r['QUERY PLAN']);
  },
};

const DIALECTS: Readonly<Record<SqlDialectName, SqlDialect>> = { sqlite: SQLITE, postgres: POSTGRES };

/** The rules of a database dialect. */
export function sqlDialect(name: SqlDialectName): SqlDialect {
  return DIALECTS[name];
}
