/**
 * Row -> entity mapping for the registry, and the batched loaders that attach tags, aliases and
 * latest versions to a page of rows with a bounded number of statements.
 */
import type { KeyValue, ModelVersion, ModelVersionStatus, RegisteredModel, Stage } from '@keel/contract';
import { chunk, groupBy } from '../tracking/rows.js';
import { DELETED_STAGE, type RegistryDb } from './context.js';
import type { ModelVersionsTable, RegisteredModelsTable } from './schema.js';

/** Names per IN list: far below every dialect's bound-parameter limit. */
const IN_LIST_SIZE = 500;

/** The columns a version's wire form is made of (searches read no more than these). */
export const WIRE_VERSION_COLUMNS = [
  'mv.name',
  'mv.version',
  'mv.creation_timestamp',
  'mv.last_updated_timestamp',
  'mv.description',
  'mv.user_id',
  'mv.current_stage',
  'mv.source',
  'mv.run_id',
  'mv.run_link',
  'mv.status',
  'mv.status_message',
] as const;

/** A version row as far as the wire form needs it. */
export type VersionRow = Pick<
  ModelVersionsTable,
  | 'name'
  | 'version'
  | 'creation_timestamp'
  | 'last_updated_timestamp'
  | 'description'
  | 'user_id'
  | 'current_stage'
  | 'source'
  | 'run_id'
  | 'run_link'
  | 'status'
  | 'status_message'
>;

/** Map key of one version. */
export function versionKey(name: string, version: number): string {
  return `${version}\u0000${name}`;
}

/**
 * A version in its wire shape. Like MLflow, `description`, `run_id` and `run_link` are sent
 * whenever stored (an empty string included); `tags` and `aliases` only when non-empty.
 */
export function toModelVersion(
  row: VersionRow,
  tags: readonly KeyValue[] | undefined,
  aliases?: readonly string[],
): ModelVersion {
  const out: Record<string, unknown> = {
    name: row.name,
    version: String(row.version),
    creation_timestamp: row.creation_timestamp,
    last_updated_timestamp: row.last_updated_timestamp,
    current_stage: row.current_stage as Stage,
  };
  if (row.description !== null) out.description = row.description;
  if (row.user_id !== null && row.user_id !== '') out.user_id = row.user_id;
  out.source = row.source;
  if (row.run_id !== null) out.run_id = row.run_id;
  out.status = row.status as ModelVersionStatus;
  if (row.status_message !== null && row.status_message !== '') out.status_message = row.status_message;
  if (tags !== undefined && tags.length > 0) out.tags = tags;
  if (row.run_link !== null) out.run_link = row.run_link;
  if (aliases !== undefined && aliases.length > 0) out.aliases = aliases;
  return out as unknown as ModelVersion;
}

/** A registered model in its wire shape; empty description, lists omitted. */
export function toRegisteredModel(
  row: Pick<RegisteredModelsTable, 'name' | 'creation_timestamp' | 'last_updated_timestamp' | 'description'>,
  tags: readonly KeyValue[] | undefined,
  aliases: readonly { alias: string; version: number }[] | undefined,
  latest: readonly ModelVersion[] | undefined,
): RegisteredModel {
  const out: Record<string, unknown> = {
    name: row.name,
    creation_timestamp: row.creation_timestamp,
    last_updated_timestamp: row.last_updated_timestamp,
  };
  if (row.description) out.description = row.description;
  if (latest !== undefined && latest.length > 0) out.latest_versions = latest;
  if (tags !== undefined && tags.length > 0) out.tags = tags;
  if (aliases !== undefined && aliases.length > 0) {
    out.aliases = aliases.map((a) => ({ alias: a.alias, version: String(a.version) }));
  }
  return out as unknown as RegisteredModel;
}

/** Tags of the given versions, by `versionKey`. */
export async function loadVersionTags(
  db: RegistryDb,
  rows: readonly Pick<ModelVersionsTable, 'name' | 'version'>[],
): Promise<Map<string, KeyValue[]>> {
  const out = new Map<string, KeyValue[]>();
  if (rows.length === 0) return out;
  let wanted: Set<string> | undefined;
  const names = [...new Set(rows.map((r) => r.name))];
  // A big page of few models (the usual "all versions of X") is served best by one scan per
  // model; a page spread over many models by lookups restricted to the page's versions.
  const byNameOnly = rows.length > IN_LIST_SIZE && names.length <= 100;
  const batches: { names: string[]; versions?: number[] }[] = byNameOnly
    ? chunk(names, IN_LIST_SIZE).map((n) => ({ names: n }))
    : pageBatches(rows);
  for (const batch of batches) {
    let query = db
      .selectFrom('model_version_tags')
      .select(['name', 'version', 'key', 'value'])
      .where('name', 'in', batch.names);
    if (batch.versions !== undefined) query = query.where('version', 'in', batch.versions);
    for (const tag of await query.orderBy('key').execute()) {
      // Built on first use: most pages of a big search have no tags at all.
      wanted ??= new Set(rows.map((r) => versionKey(r.name, r.version)));
      const key = versionKey(tag.name, tag.version);
      if (!wanted.has(key)) continue;
      const list = out.get(key);
      if (list === undefined) out.set(key, [{ key: tag.key, value: tag.value }]);
      else list.push({ key: tag.key, value: tag.value });
    }
  }
  return out;
}

function pageBatches(rows: readonly Pick<ModelVersionsTable, 'name' | 'version'>[]) {
  return chunk(rows, IN_LIST_SIZE).map((part) => ({
    names: [...new Set(part.map((r) => r.name))],
    versions: [...new Set(part.map((r) => r.version))],
  }));
}

/** Alias names of the given versions, by `versionKey`. */
export async function loadVersionAliases(
  db: RegistryDb,
  rows: readonly Pick<ModelVersionsTable, 'name' | 'version'>[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const names = [...new Set(rows.map((r) => r.name))];
  for (const part of chunk(names, IN_LIST_SIZE)) {
    const aliases = await db
      .selectFrom('registered_model_aliases')
      .select(['name', 'alias', 'version'])
      .where('name', 'in', part)
      .orderBy('alias')
      .execute();
    for (const a of aliases) {
      const key = versionKey(a.name, a.version);
      const list = out.get(key);
      if (list === undefined) out.set(key, [a.alias]);
      else list.push(a.alias);
    }
  }
  return out;
}

/** Versions with their tags (and aliases when asked), in the rows' order. */
export async function versionsWithDetails(
  db: RegistryDb,
  rows: readonly VersionRow[],
  withAliases: boolean,
): Promise<ModelVersion[]> {
  const tags = await loadVersionTags(db, rows);
  const aliases = withAliases ? await loadVersionAliases(db, rows) : undefined;
  return rows.map((row) => {
    const key = versionKey(row.name, row.version);
    return toModelVersion(row, tags.get(key), aliases?.get(key));
  });
}

/**
 * For each model, the highest-numbered live version of every stage that has one (MLflow's
 * `latest_versions`), ordered by version; without aliases, as MLflow returns them.
 */
export async function loadLatestVersions(
  db: RegistryDb,
  names: readonly string[],
): Promise<Map<string, ModelVersion[]>> {
  const rows: VersionRow[] = [];
  for (const part of chunk(names, IN_LIST_SIZE)) {
    const latest = db
      .selectFrom('model_versions')
      .select(['name', 'current_stage'])
      .select((eb) => eb.fn.max('version').as('max_version'))
      .where('name', 'in', part)
      .where('current_stage', '<>', DELETED_STAGE)
      .groupBy(['name', 'current_stage'])
      .as('latest');
    const found = await db
      .selectFrom('model_versions as mv')
      .innerJoin(latest, (join) =>
        join.onRef('latest.name', '=', 'mv.name').onRef('latest.max_version', '=', 'mv.version'),
      )
      .select(WIRE_VERSION_COLUMNS)
      .orderBy('mv.name')
      .orderBy('mv.version')
      .execute();
    rows.push(...found);
  }
  const detailed = await versionsWithDetails(db, rows, false);
  return groupBy(detailed, (v) => v.name);
}

/** Registered models with tags, aliases and latest versions, in the rows' order. */
export async function modelsWithDetails(
  db: RegistryDb,
  rows: readonly Pick<
    RegisteredModelsTable,
    'name' | 'creation_timestamp' | 'last_updated_timestamp' | 'description'
  >[],
): Promise<RegisteredModel[]> {
  if (rows.length === 0) return [];
  const names = rows.map((r) => r.name);
  const tags = new Map<string, KeyValue[]>();
  const aliases = new Map<string, { alias: string; version: number }[]>();
  for (const part of chunk(names, IN_LIST_SIZE)) {
    const tagRows = await db
      .selectFrom('registered_model_tags')
      .select(['name', 'key', 'value'])
      .where('name', 'in', part)
      .orderBy('key')
      .execute();
    for (const [name, list] of groupBy(tagRows, (t) => t.name)) {
      tags.set(
        name,
        list.map((t) => ({ key: t.key, value: t.value })),
      );
    }
    const aliasRows = await db
      .selectFrom('registered_model_aliases')
      .select(['name', 'alias', 'version'])
      .where('name', 'in', part)
      .orderBy('alias')
      .execute();
    for (const [name, list] of groupBy(aliasRows, (a) => a.name)) aliases.set(name, list);
  }
  const latest = await loadLatestVersions(db, names);
  return rows.map((row) => toRegisteredModel(row, tags.get(row.name), aliases.get(row.name), latest.get(row.name)));
}
