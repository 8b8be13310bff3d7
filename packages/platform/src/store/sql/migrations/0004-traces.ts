/**
 * Tracing tables (MLflow 3): trace infos with their tags and request metadata, spans in a table
 * of their own keyed by trace, trace-to-run links and assessments. Trace search reads an
 * experiment's traces newest first, optionally by status, so both orders are indexed; tags and
 * metadata are found by key and value like run tags.
 */
import type { Kysely } from 'kysely';
import { sqlDialect } from '../dialect.js';
import type { SqlDialectName } from '../sql-database.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then
export async function up(db: Kysely<any>, dialect: SqlDialectName): Promise<void> {
  const rules = sqlDialect(dialect);
  const bigint = 'bigint';

  await db.schema
    .createTable('trace_info')
    .addColumn('request_id', 'text', (c) => c.primaryKey())
    .addColumn('experiment_id', 'integer', (c) =>
      c.notNull().references('experiments.experiment_id').onDelete('cascade'),
    )
    .addColumn('timestamp_ms', bigint, (c) => c.notNull())
    .addColumn('execution_time_ms', bigint)
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('client_request_id', 'text')
    .addColumn('request_preview', 'text')
    .addColumn('response_preview', 'text')
    .execute();
  await db.schema
    .createIndex('trace_info_experiment_time_idx')
    .on('trace_info')
    .columns(['experiment_id', 'timestamp_ms', 'request_id'])
    .execute();
  await db.schema
    .createIndex('trace_info_experiment_status_idx')
    .on('trace_info')
    .columns(['experiment_id', 'status', 'timestamp_ms'])
    .execute();
  await db.schema
    .createIndex('trace_info_experiment_duration_idx')
    .on('trace_info')
    .columns(['experiment_id', 'execution_time_ms'])
    .execute();

  for (const table of ['trace_tags', 'trace_request_metadata']) {
    await db.schema
      .createTable(table)
      .addColumn('request_id', 'text', (c) => c.notNull().references('trace_info.request_id').onDelete('cascade'))
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint(`${table}_pk`, ['request_id', 'key'])
      .modifyEnd(rules.clusteredTable)
      .execute();
    await rules.createValueIndex(db, `${table}_value_idx`, table);
  }

  // Span times are nanoseconds past 2^53: stored exactly (bound as decimal text), read only to order.
  await db.schema
    .createTable('spans')
    .addColumn('trace_id', 'text', (c) => c.notNull().references('trace_info.request_id').onDelete('cascade'))
    .addColumn('span_id', 'text', (c) => c.notNull())
    .addColumn('experiment_id', 'integer', (c) => c.notNull())
    .addColumn('parent_span_id', 'text')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('type', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('start_time_unix_nano', bigint, (c) => c.notNull())
    .addColumn('end_time_unix_nano', bigint)
    .addColumn('content', 'text', (c) => c.notNull())
    // A rowid table: span rows are large and arrive in bulk, and appending them is cheaper than
    // inserting them into a clustered tree; the key index still reads one trace's spans at once.
    .addPrimaryKeyConstraint('spans_pk', ['trace_id', 'span_id'])
    .execute();

  await db.schema
    .createTable('trace_run_links')
    .addColumn('request_id', 'text', (c) => c.notNull().references('trace_info.request_id').onDelete('cascade'))
    .addColumn('run_uuid', 'text', (c) => c.notNull().references('runs.run_uuid').onDelete('cascade'))
    .addPrimaryKeyConstraint('trace_run_links_pk', ['request_id', 'run_uuid'])
    .modifyEnd(rules.clusteredTable)
    .execute();
  await db.schema.createIndex('trace_run_links_run_idx').on('trace_run_links').columns(['run_uuid']).execute();

  await db.schema
    .createTable('assessments')
    .addColumn('assessment_id', 'text', (c) => c.primaryKey())
    .addColumn('request_id', 'text', (c) => c.notNull().references('trace_info.request_id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('assessment_type', 'text', (c) => c.notNull())
    .addColumn('value', 'text')
    .addColumn('error', 'text')
    .addColumn('created_timestamp', bigint, (c) => c.notNull())
    .addColumn('last_updated_timestamp', bigint, (c) => c.notNull())
    .addColumn('source_type', 'text', (c) => c.notNull())
    .addColumn('source_id', 'text')
    .addColumn('run_id', 'text')
    .addColumn('span_id', 'text')
    .addColumn('rationale', 'text')
    .addColumn('overrides', 'text')
    .addColumn('valid', 'integer', (c) => c.notNull())
    .addColumn('metadata', 'text')
    .execute();
  await db.schema
    .createIndex('assessments_trace_idx')
    .on('assessments')
    .columns(['request_id', 'created_timestamp'])
    .execute();
}
