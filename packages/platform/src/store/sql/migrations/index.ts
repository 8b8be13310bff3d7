/**
 * Versioned schema migrations, applied in name order and recorded in `kysely_migration`.
 * The server applies pending ones on start; `keel db upgrade` applies them explicitly.
 */
import { type Kysely, type Migration, Migrator } from 'kysely';
import type { SqlDatabase, SqlDialectName } from '../sql-database.js';
import * as tracking from './0001-tracking.js';
import * as registry from './0002-registry.js';
import * as searchIndexes from './0003-search-indexes.js';
import * as gcPendingArtifacts from './0006-gc-pending-artifacts.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then
type MigrationModule = { up(db: Kysely<any>, dialect: SqlDialectName): Promise<void> };

const MIGRATIONS: ReadonlyArray<readonly [string, MigrationModule]> = [
  ['0001_tracking', tracking],
  ['0002_registry', registry],
  ['0003_search_indexes', searchIndexes],
  ['0006_gc_pending_artifacts', gcPendingArtifacts],
];

export interface MigrationReport {
  readonly applied: readonly string[];
  readonly current: string | undefined;
}

function migratorFor(database: SqlDatabase<unknown>): Migrator {
  const migrations: Record<string, Migration> = {};
  for (const [name, module] of MIGRATIONS) {
    migrations[name] = { up: (db) => module.up(db, database.dialect) };
  }
  return new Migrator({ db: database.db, provider: { getMigrations: async () => migrations } });
}

/** Applies every pending migration; safe to call from several processes at once. */
export async function migrateToLatest(database: SqlDatabase<unknown>): Promise<MigrationReport> {
  const { error, results } = await migratorFor(database).migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  const applied = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  return { applied, current: MIGRATIONS.at(-1)?.[0] };
}

/** Names of migrations not yet applied. */
export async function pendingMigrations(database: SqlDatabase<unknown>): Promise<string[]> {
  const all = await migratorFor(database).getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}
