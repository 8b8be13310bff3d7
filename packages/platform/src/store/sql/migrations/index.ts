/**
 * Versioned schema migrations, shared by every dialect, applied in name order and recorded in
 * `kysely_migration`. The server applies pending ones on start; `keel db upgrade` applies them
 * explicitly. Migrating holds a database-wide lock (`SqlDialect.withMigrationLock`), so servers
 * starting together never migrate twice, and a database migrated by a newer Keel is refused.
 */
import { type Kysely, type Migration, Migrator, sql } from 'kysely';
import { sqlDialect } from '../dialect.js';
import type { SqlDatabase, SqlDialectName } from '../sql-database.js';
import * as tracking from './0001-tracking.js';
import * as registry from './0002-registry.js';
import * as searchIndexes from './0003-search-indexes.js';
import * as traces from './0004-traces.js';
import * as genai from './0005-genai.js';
import * as gcPendingArtifacts from './0006-gc-pending-artifacts.js';
import * as metricChunkSummaries from './0007-metric-chunk-summaries.js';
import * as postgresChunkCompression from './0008-postgres-chunk-compression.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then
type MigrationModule = { up(db: Kysely<any>, dialect: SqlDialectName): Promise<void> };

const MIGRATIONS: ReadonlyArray<readonly [string, MigrationModule]> = [
  ['0001_tracking', tracking],
  ['0002_registry', registry],
  ['0003_search_indexes', searchIndexes],
  ['0004_traces', traces],
  ['0005_genai', genai],
  ['0006_gc_pending_artifacts', gcPendingArtifacts],
  ['0007_metric_chunk_summaries', metricChunkSummaries],
  ['0008_postgres_chunk_compression', postgresChunkCompression],
];

/** Every migration this Keel knows, in the order they apply. */
export const MIGRATION_NAMES: readonly string[] = Object.freeze(MIGRATIONS.map(([name]) => name));

/** The table Kysely records applied migrations in. */
const MIGRATION_TABLE = 'kysely_migration';

export interface MigrationReport {
  readonly applied: readonly string[];
  readonly current: string | undefined;
}

/** The newest schema this version of Keel knows. */
export const LATEST_SCHEMA = MIGRATIONS.at(-1)?.[0] as string;

/** The database was migrated by a newer Keel: running against it could corrupt data. */
export class SchemaTooNewError extends Error {
  constructor(readonly unknownMigrations: readonly string[]) {
    super(
      `The database schema is newer than this Keel understands: it has migration(s) ${unknownMigrations.join(', ')}, ` +
        `and this Keel knows up to ${LATEST_SCHEMA}. Upgrade Keel (or point it at another database).`,
    );
    this.name = 'SchemaTooNewError';
  }
}

function migratorFor(db: Kysely<unknown>, dialect: SqlDialectName): Migrator {
  const migrations: Record<string, Migration> = {};
  for (const [name, module] of MIGRATIONS) {
    migrations[name] = { up: (trx) => module.up(trx, dialect) };
  }
  return new Migrator({ db, provider: { getMigrations: async () => migrations } });
}

/** Names of applied migrations, or none when the migration table does not exist yet. */
async function appliedMigrations(db: Kysely<unknown>): Promise<string[]> {
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  if (!tables.some((t) => t.name === MIGRATION_TABLE)) return [];
  const { rows } = await sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)}`.execute(db);
  return rows.map((r) => r.name);
}

/** Throws `SchemaTooNewError` when the database holds migrations this Keel does not know. */
export async function checkSchemaVersion(database: SqlDatabase<unknown>): Promise<void> {
  await refuseNewerSchema(database.db as Kysely<unknown>);
}

/** Refuses a schema newer than this Keel; returns the names of the applied migrations. */
async function refuseNewerSchema(db: Kysely<unknown>): Promise<ReadonlySet<string>> {
  const known = new Set(MIGRATIONS.map(([name]) => name));
  const applied = await appliedMigrations(db);
  const unknown = applied.filter((name) => !known.has(name)).sort();
  if (unknown.length > 0) throw new SchemaTooNewError(unknown);
  return new Set(applied);
}

/**
 * Applies every pending migration under the database's migration lock; safe to call from
 * several processes at once. Refuses a schema newer than this Keel (`SchemaTooNewError`).
 */
export async function migrateToLatest(database: SqlDatabase<unknown>): Promise<MigrationReport> {
  const dialect = sqlDialect(database.dialect);
  return database.db.connection().execute(async (connection) => {
    const db = connection as Kysely<unknown>;
    return dialect.withMigrationLock(db, async () => {
      const applied = await refuseNewerSchema(db);
      // Up to date (every start after the first, once per store): Kysely's migrator would
      // introspect every table three more times to find nothing to do.
      if (MIGRATIONS.every(([name]) => applied.has(name))) return { applied: [], current: LATEST_SCHEMA };
      const { error, results } = await migratorFor(db, database.dialect).migrateToLatest();
      if (error) throw error instanceof Error ? error : new Error(String(error));
      const done = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
      return { applied: done, current: LATEST_SCHEMA };
    });
  });
}

/** Names of migrations not yet applied. */
export async function pendingMigrations(database: SqlDatabase<unknown>): Promise<string[]> {
  const all = await migratorFor(database.db as Kysely<unknown>, database.dialect).getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}
