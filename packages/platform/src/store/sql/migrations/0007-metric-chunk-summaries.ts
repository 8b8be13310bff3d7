/**
 * Summaries of metric chunks for charts (`tracking/metric-summaries.ts`): per chunk, its time
 * extent and one record per 64 points (step and time extents, count, min, max, last value), so a
 * bucketed history over a wide range reads a few numbers per 64 points instead of every point.
 * Rows are added by readers the first time a chunk is bucketed (writers are not slowed down),
 * and go with their chunk when it is deleted or compacted. Existing databases need no backfill.
 */
import type { Kysely } from 'kysely';
import { sqlDialect } from '../dialect.js';
import type { SqlDialectName } from '../sql-database.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then
export async function up(db: Kysely<any>, dialect: SqlDialectName): Promise<void> {
  const rules = sqlDialect(dialect);
  await db.schema
    .createTable('metric_chunk_summaries')
    .addColumn('chunk_id', rules.bigIdType, (c) =>
      c.primaryKey().references('metric_chunks.chunk_id').onDelete('cascade'),
    )
    .addColumn('min_timestamp', 'bigint', (c) => c.notNull())
    .addColumn('max_timestamp', 'bigint', (c) => c.notNull())
    .addColumn('group_points', 'integer', (c) => c.notNull())
    .addColumn('groups', rules.binaryType, (c) => c.notNull())
    .execute();
}
