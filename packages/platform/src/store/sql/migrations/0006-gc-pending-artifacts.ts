/**
 * Garbage collection: the queue of artifact locations whose rows were purged (mark-then-sweep,
 * see `tracking/purge.ts`), and an index that finds deleted runs by deletion time without
 * reading every run.
 */
import type { Kysely } from 'kysely';
import type { SqlDialectName } from '../sql-database.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then
export async function up(db: Kysely<any>, dialect: SqlDialectName): Promise<void> {
  await db.schema
    .createTable('gc_pending_artifacts')
    .addColumn('pending_id', 'integer', (c) =>
      dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey().generatedByDefaultAsIdentity(),
    )
    .addColumn('artifact_uri', 'text', (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('queued_time', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('runs_deleted_idx').on('runs').columns(['lifecycle_stage', 'deleted_time']).execute();
}
