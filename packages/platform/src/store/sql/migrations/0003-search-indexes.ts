/**
 * Indexes for run search. The experiment index gains the run name, so the UI's default text
 * search (`attributes.run_name ILIKE '%text%'`, a pattern no index can seek) scans the index
 * alone instead of reading every run row; it keeps the old index's leading columns, so it
 * serves the same scoped, start-time-ordered scans and the old index is dropped.
 */
import type { Kysely } from 'kysely';
import type { SqlDialectName } from '../sql-database.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then
export async function up(db: Kysely<any>, _dialect: SqlDialectName): Promise<void> {
  await db.schema
    .createIndex('runs_experiment_name_idx')
    .on('runs')
    .columns(['experiment_id', 'lifecycle_stage', 'start_time', 'run_uuid', 'name'])
    .execute();
  await db.schema.dropIndex('runs_experiment_idx').execute();
}
