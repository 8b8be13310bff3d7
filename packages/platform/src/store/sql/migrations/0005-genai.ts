/**
 * MLflow 3 GenAI tables: evaluation datasets (with their tags, experiment links and records)
 * and scorers (one row per scorer name in an experiment, one per registered version).
 * Children reference their parent with ON DELETE CASCADE, so deleting a dataset, a scorer or an
 * experiment removes what hangs off it in the same statement.
 */
import type { Kysely } from 'kysely';
import type { SqlDialectName } from '../sql-database.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then
export async function up(db: Kysely<any>, _dialect: SqlDialectName): Promise<void> {
  const bigint = 'bigint';

  await db.schema
    .createTable('evaluation_datasets')
    .addColumn('dataset_id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('digest', 'text', (c) => c.notNull())
    .addColumn('schema', 'text')
    .addColumn('profile', 'text')
    .addColumn('created_time', bigint, (c) => c.notNull())
    .addColumn('last_update_time', bigint, (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('last_updated_by', 'text')
    .execute();
  // Search's default order (newest first) and name filters/orderings read these indexes.
  await db.schema
    .createIndex('evaluation_datasets_created_idx')
    .on('evaluation_datasets')
    .columns(['created_time', 'dataset_id'])
    .execute();
  await db.schema.createIndex('evaluation_datasets_name_idx').on('evaluation_datasets').columns(['name']).execute();

  await db.schema
    .createTable('evaluation_dataset_tags')
    .addColumn('dataset_id', 'text', (c) =>
      c.notNull().references('evaluation_datasets.dataset_id').onDelete('cascade'),
    )
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('evaluation_dataset_tags_pk', ['dataset_id', 'key'])
    .execute();

  await db.schema
    .createTable('evaluation_dataset_experiments')
    .addColumn('dataset_id', 'text', (c) =>
      c.notNull().references('evaluation_datasets.dataset_id').onDelete('cascade'),
    )
    .addColumn('experiment_id', 'integer', (c) =>
      c.notNull().references('experiments.experiment_id').onDelete('cascade'),
    )
    .addPrimaryKeyConstraint('evaluation_dataset_experiments_pk', ['dataset_id', 'experiment_id'])
    .execute();
  await db.schema
    .createIndex('evaluation_dataset_experiments_exp_idx')
    .on('evaluation_dataset_experiments')
    .columns(['experiment_id', 'dataset_id'])
    .execute();

  await db.schema
    .createTable('evaluation_dataset_records')
    .addColumn('dataset_record_id', 'text', (c) => c.primaryKey())
    .addColumn('dataset_id', 'text', (c) =>
      c.notNull().references('evaluation_datasets.dataset_id').onDelete('cascade'),
    )
    // SHA-256 of the canonical JSON of `inputs`: the upsert key within a dataset.
    .addColumn('input_hash', 'text', (c) => c.notNull())
    .addColumn('inputs', 'text', (c) => c.notNull())
    .addColumn('outputs', 'text', (c) => c.notNull())
    .addColumn('expectations', 'text', (c) => c.notNull())
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('source', 'text')
    .addColumn('created_time', bigint, (c) => c.notNull())
    .addColumn('last_update_time', bigint, (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('last_updated_by', 'text')
    .addUniqueConstraint('evaluation_dataset_records_input_uq', ['dataset_id', 'input_hash'])
    .execute();
  // Record pages are read in creation order, keyed by (created_time, dataset_record_id).
  await db.schema
    .createIndex('evaluation_dataset_records_page_idx')
    .on('evaluation_dataset_records')
    .columns(['dataset_id', 'created_time', 'dataset_record_id'])
    .execute();

  await db.schema
    .createTable('scorers')
    .addColumn('scorer_id', 'text', (c) => c.primaryKey())
    .addColumn('experiment_id', 'integer', (c) =>
      c.notNull().references('experiments.experiment_id').onDelete('cascade'),
    )
    .addColumn('scorer_name', 'text', (c) => c.notNull())
    .addUniqueConstraint('scorers_name_uq', ['experiment_id', 'scorer_name'])
    .execute();

  await db.schema
    .createTable('scorer_versions')
    .addColumn('scorer_id', 'text', (c) => c.notNull().references('scorers.scorer_id').onDelete('cascade'))
    .addColumn('scorer_version', 'integer', (c) => c.notNull())
    .addColumn('serialized_scorer', 'text', (c) => c.notNull())
    .addColumn('creation_time', bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint('scorer_versions_pk', ['scorer_id', 'scorer_version'])
    .execute();
}
