/**
 * Model registry tables: registered models, versions, tags, aliases, and the audit trail.
 * Child tables reference the model by name with ON UPDATE CASCADE, so a rename is one UPDATE.
 */
import type { Kysely } from 'kysely';
import { sqlDialect } from '../dialect.js';
import type { SqlDialectName } from '../sql-database.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then
export async function up(db: Kysely<any>, dialect: SqlDialectName): Promise<void> {
  const bigint = 'bigint';

  await db.schema
    .createTable('registered_models')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('creation_timestamp', bigint, (c) => c.notNull())
    .addColumn('last_updated_timestamp', bigint, (c) => c.notNull())
    .addColumn('description', 'text')
    // Highest version number ever allocated (deleted versions included). Bumping it with an
    // UPDATE row-locks the model on PostgreSQL and is serialised by BEGIN IMMEDIATE on SQLite,
    // so concurrent creates get distinct, gap-free numbers and numbers are never reused.
    .addColumn('max_version', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable('registered_model_tags')
    .addColumn('name', 'text', (c) =>
      c.notNull().references('registered_models.name').onDelete('cascade').onUpdate('cascade'),
    )
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('registered_model_tags_pk', ['name', 'key'])
    .execute();

  await db.schema
    .createTable('model_versions')
    .addColumn('name', 'text', (c) =>
      c.notNull().references('registered_models.name').onDelete('cascade').onUpdate('cascade'),
    )
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('creation_timestamp', bigint, (c) => c.notNull())
    .addColumn('last_updated_timestamp', bigint, (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('user_id', 'text')
    .addColumn('current_stage', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('storage_location', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text')
    .addColumn('run_link', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('status_message', 'text')
    .addColumn('model_id', 'text')
    .addPrimaryKeyConstraint('model_versions_pk', ['name', 'version'])
    .execute();
  await db.schema
    .createIndex('model_versions_updated_idx')
    .on('model_versions')
    .columns(['last_updated_timestamp'])
    .execute();
  // Version search by name with the default order (last_updated_timestamp DESC) reads this
  // index backwards instead of sorting.
  await db.schema
    .createIndex('model_versions_name_updated_idx')
    .on('model_versions')
    .columns(['name', 'last_updated_timestamp', 'version'])
    .execute();
  await db.schema.createIndex('model_versions_run_idx').on('model_versions').columns(['run_id']).execute();

  await db.schema
    .createTable('model_version_tags')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('model_version_tags_pk', ['name', 'version', 'key'])
    .addForeignKeyConstraint(
      'model_version_tags_version_fk',
      ['name', 'version'],
      'model_versions',
      ['name', 'version'],
      (c) => c.onDelete('cascade').onUpdate('cascade'),
    )
    .execute();

  await db.schema
    .createTable('registered_model_aliases')
    .addColumn('name', 'text', (c) =>
      c.notNull().references('registered_models.name').onDelete('cascade').onUpdate('cascade'),
    )
    .addColumn('alias', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('registered_model_aliases_pk', ['name', 'alias'])
    .execute();

  await db.schema
    .createTable('registry_events')
    .addColumn('event_id', sqlDialect(dialect).bigIdType, (c) => sqlDialect(dialect).autoIncrementPrimaryKey(c))
    .addColumn('timestamp', bigint, (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('version', 'integer')
    .addColumn('details', 'text')
    .execute();
  await db.schema.createIndex('registry_events_name_idx').on('registry_events').columns(['name', 'event_id']).execute();
}
