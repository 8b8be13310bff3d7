/** Tracking tables: experiments, runs, params, tags, metrics, datasets, inputs/outputs, logged models. */
import type { Kysely } from 'kysely';
import { sqlDialect } from '../dialect.js';
import type { SqlDialectName } from '../sql-database.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then
export async function up(db: Kysely<any>, dialect: SqlDialectName): Promise<void> {
  const bigint = 'bigint';
  const rules = sqlDialect(dialect);
  // A clustered primary key keeps each run's points together and ordered for history reads.
  const withoutRowid = rules.clusteredTable;

  await db.schema
    .createTable('experiments')
    .addColumn('experiment_id', 'integer', (c) => rules.autoIncrementPrimaryKey(c))
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('artifact_location', 'text', (c) => c.notNull())
    .addColumn('lifecycle_stage', 'text', (c) => c.notNull())
    .addColumn('creation_time', bigint, (c) => c.notNull())
    .addColumn('last_update_time', bigint, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('experiment_tags')
    .addColumn('experiment_id', 'integer', (c) =>
      c.notNull().references('experiments.experiment_id').onDelete('cascade'),
    )
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('experiment_tags_pk', ['experiment_id', 'key'])
    .execute();

  await db.schema
    .createTable('runs')
    .addColumn('run_uuid', 'text', (c) => c.primaryKey())
    .addColumn('experiment_id', 'integer', (c) =>
      c.notNull().references('experiments.experiment_id').onDelete('cascade'),
    )
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('start_time', bigint, (c) => c.notNull())
    .addColumn('end_time', bigint)
    .addColumn('deleted_time', bigint)
    .addColumn('lifecycle_stage', 'text', (c) => c.notNull())
    .addColumn('artifact_uri', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('runs_experiment_idx')
    .on('runs')
    .columns(['experiment_id', 'lifecycle_stage', 'start_time', 'run_uuid'])
    .execute();

  for (const table of ['tags', 'params']) {
    await db.schema
      .createTable(table)
      .addColumn('run_uuid', 'text', (c) => c.notNull().references('runs.run_uuid').onDelete('cascade'))
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint(`${table}_pk`, ['run_uuid', 'key'])
      .modifyEnd(withoutRowid)
      .execute();
    await rules.createValueIndex(db, `${table}_key_value_idx`, table);
  }

  // Metric points live in packed chunks (see metric-chunks.ts): one row per key per write.
  await db.schema
    .createTable('metric_chunks')
    .addColumn('chunk_id', rules.bigIdType, (c) => rules.autoIncrementPrimaryKey(c))
    .addColumn('run_uuid', 'text', (c) => c.notNull().references('runs.run_uuid').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('point_count', 'integer', (c) => c.notNull())
    .addColumn('min_step', bigint, (c) => c.notNull())
    .addColumn('max_step', bigint, (c) => c.notNull())
    .addColumn('data', rules.binaryType, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('metric_chunks_run_key_idx')
    .on('metric_chunks')
    .columns(['run_uuid', 'key', 'chunk_id'])
    .execute();

  await db.schema
    .createTable('latest_metrics')
    .addColumn('run_uuid', 'text', (c) => c.notNull().references('runs.run_uuid').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('timestamp', bigint, (c) => c.notNull())
    .addColumn('step', bigint, (c) => c.notNull())
    .addColumn('value', 'double precision', (c) => c.notNull())
    .addColumn('is_nan', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('latest_metrics_pk', ['run_uuid', 'key'])
    .modifyEnd(withoutRowid)
    .execute();
  await db.schema
    .createIndex('latest_metrics_key_value_idx')
    .on('latest_metrics')
    .columns(['key', 'is_nan', 'value'])
    .execute();

  await db.schema
    .createTable('datasets')
    .addColumn('dataset_uuid', 'text', (c) => c.primaryKey())
    .addColumn('experiment_id', 'integer', (c) =>
      c.notNull().references('experiments.experiment_id').onDelete('cascade'),
    )
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('digest', 'text', (c) => c.notNull())
    .addColumn('source_type', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('schema', 'text')
    .addColumn('profile', 'text')
    .addUniqueConstraint('datasets_name_digest_uq', ['experiment_id', 'name', 'digest'])
    .execute();

  await db.schema
    .createTable('run_inputs')
    .addColumn('run_uuid', 'text', (c) => c.notNull().references('runs.run_uuid').onDelete('cascade'))
    .addColumn('dataset_uuid', 'text', (c) => c.notNull().references('datasets.dataset_uuid').onDelete('cascade'))
    .addColumn('position', bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint('run_inputs_pk', ['run_uuid', 'dataset_uuid'])
    .execute();
  await db.schema.createIndex('run_inputs_dataset_idx').on('run_inputs').columns(['dataset_uuid']).execute();

  await db.schema
    .createTable('input_tags')
    .addColumn('run_uuid', 'text', (c) => c.notNull())
    .addColumn('dataset_uuid', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('input_tags_pk', ['run_uuid', 'dataset_uuid', 'key'])
    .addForeignKeyConstraint(
      'input_tags_input_fk',
      ['run_uuid', 'dataset_uuid'],
      'run_inputs',
      ['run_uuid', 'dataset_uuid'],
      (c) => c.onDelete('cascade'),
    )
    .execute();

  await db.schema
    .createTable('run_model_inputs')
    .addColumn('run_uuid', 'text', (c) => c.notNull().references('runs.run_uuid').onDelete('cascade'))
    .addColumn('model_id', 'text', (c) => c.notNull())
    .addColumn('position', bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint('run_model_inputs_pk', ['run_uuid', 'model_id'])
    .execute();

  await db.schema
    .createTable('run_model_outputs')
    .addColumn('run_uuid', 'text', (c) => c.notNull().references('runs.run_uuid').onDelete('cascade'))
    .addColumn('model_id', 'text', (c) => c.notNull())
    .addColumn('step', bigint, (c) => c.notNull())
    .addColumn('position', bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint('run_model_outputs_pk', ['run_uuid', 'model_id'])
    .execute();

  await db.schema
    .createTable('logged_models')
    .addColumn('model_id', 'text', (c) => c.primaryKey())
    .addColumn('experiment_id', 'integer', (c) =>
      c.notNull().references('experiments.experiment_id').onDelete('cascade'),
    )
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('artifact_location', 'text', (c) => c.notNull())
    .addColumn('creation_timestamp_ms', bigint, (c) => c.notNull())
    .addColumn('last_updated_timestamp_ms', bigint, (c) => c.notNull())
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('lifecycle_stage', 'text', (c) => c.notNull())
    .addColumn('model_type', 'text')
    .addColumn('source_run_id', 'text')
    .addColumn('status_message', 'text')
    .execute();
  await db.schema
    .createIndex('logged_models_experiment_idx')
    .on('logged_models')
    .columns(['experiment_id', 'creation_timestamp_ms'])
    .execute();

  for (const table of ['logged_model_tags', 'logged_model_params']) {
    await db.schema
      .createTable(table)
      .addColumn('model_id', 'text', (c) => c.notNull().references('logged_models.model_id').onDelete('cascade'))
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint(`${table}_pk`, ['model_id', 'key'])
      .execute();
  }

  await db.schema
    .createTable('logged_model_metrics')
    .addColumn('model_id', 'text', (c) => c.notNull().references('logged_models.model_id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('timestamp', bigint, (c) => c.notNull())
    .addColumn('step', bigint, (c) => c.notNull())
    .addColumn('value', 'double precision', (c) => c.notNull())
    .addColumn('is_nan', 'integer', (c) => c.notNull())
    .addColumn('experiment_id', 'integer', (c) => c.notNull())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('dataset_name', 'text', (c) => c.notNull())
    .addColumn('dataset_digest', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('logged_model_metrics_pk', [
      'model_id',
      'key',
      'timestamp',
      'step',
      'run_id',
      'dataset_name',
      'dataset_digest',
      'value',
      'is_nan',
    ])
    .execute();
}
