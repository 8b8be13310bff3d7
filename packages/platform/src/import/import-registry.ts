/**
 * Copies MLflow's model registry into Keel's: registered models with their tags, every version
 * (soft-deleted ones too, so version numbers are never reused), version tags and aliases. One
 * transaction per registered model; a model the target already has is skipped, so a resumed
 * import continues with the first model it had not committed.
 */
import type { KeelSchema } from '../store/sql/registry/schema.js';
import type { SqlDatabase } from '../store/sql/sql-database.js';
import type { ArtifactRelocation } from './artifact-relocation.js';
import type { MlflowSource } from './mlflow-source.js';

// biome-ignore lint/suspicious/noExplicitAny: rows of MLflow's schema, checked column by column
type Row = Record<string, any>;

export interface RegistryImportStats {
  registeredModels: number;
  registeredModelsSkipped: number;
  modelVersions: number;
  aliases: number;
}

const num = (value: unknown, fallback = 0): number =>
  value === null || value === undefined ? fallback : Number(value);
const str = (value: unknown, fallback = ''): string =>
  value === null || value === undefined ? fallback : String(value);

/** MLflow 3 records a version's logged model in its source (`models:/m-<id>`). */
function modelIdOf(row: Row): string | null {
  if (typeof row.model_id === 'string' && row.model_id !== '') return row.model_id;
  const match = /^models:\/(m-[0-9a-f]+)\/?$/.exec(str(row.source));
  return match?.[1] ?? null;
}

export async function importRegistry(
  source: MlflowSource,
  target: SqlDatabase<KeelSchema>,
  artifacts: ArtifactRelocation,
  stats: RegistryImportStats,
  progress: (name: string) => void,
): Promise<void> {
  if (!source.has('registered_models')) return;
  const models = (await source.db.selectFrom('registered_models').selectAll().orderBy('name').execute()) as Row[];
  for (const model of models) {
    const name = str(model.name);
    const exists = await target.read((db) =>
      db.selectFrom('registered_models').select('name').where('name', '=', name).executeTakeFirst(),
    );
    if (exists !== undefined) {
      stats.registeredModelsSkipped++;
      progress(name);
      continue;
    }
    const read = (table: string) =>
      source.has(table)
        ? (source.db.selectFrom(table).selectAll().where('name', '=', name).execute() as Promise<Row[]>)
        : Promise.resolve([]);
    const [versions, tags, versionTags, aliases] = await Promise.all([
      read('model_versions'),
      read('registered_model_tags'),
      read('model_version_tags'),
      read('registered_model_aliases'),
    ]);
    const created = num(model.creation_time);
    await target.transaction(async (db) => {
      await db
        .insertInto('registered_models')
        .values({
          name,
          creation_timestamp: created,
          last_updated_timestamp: num(model.last_updated_time, created),
          description: model.description ?? null,
          max_version: versions.reduce((max, v) => Math.max(max, num(v.version)), 0),
        })
        .execute();
      for (const tag of tags)
        await db
          .insertInto('registered_model_tags')
          .values({ name, key: str(tag.key), value: str(tag.value) })
          .execute();
      for (const version of versions) {
        const versionCreated = num(version.creation_time);
        const sourceUri = str(version.source);
        await db
          .insertInto('model_versions')
          .values({
            name,
            version: num(version.version),
            creation_timestamp: versionCreated,
            last_updated_timestamp: num(version.last_updated_time, versionCreated),
            description: version.description ?? null,
            user_id: version.user_id ?? null,
            current_stage: str(version.current_stage, 'None'),
            source: artifacts.storedUri(sourceUri),
            storage_location: artifacts.storedUri(str(version.storage_location, sourceUri)),
            run_id: version.run_id ?? null,
            run_link: version.run_link ?? null,
            status: str(version.status, 'READY'),
            status_message: version.status_message ?? null,
            model_id: modelIdOf(version),
          })
          .execute();
      }
      for (const tag of versionTags) {
        await db
          .insertInto('model_version_tags')
          .values({ name, version: num(tag.version), key: str(tag.key), value: str(tag.value) })
          .execute();
      }
      for (const alias of aliases) {
        await db
          .insertInto('registered_model_aliases')
          .values({ name, alias: str(alias.alias), version: num(alias.version) })
          .execute();
      }
    });
    stats.registeredModels++;
    stats.modelVersions += versions.length;
    stats.aliases += aliases.length;
    progress(name);
  }
}
