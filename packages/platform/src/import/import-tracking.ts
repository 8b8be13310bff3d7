/**
 * Copies MLflow's tracking data into Keel's tables, keeping IDs, names and timestamps:
 * experiments with their tags, runs with params, tags, full metric histories, dataset and model
 * inputs/outputs, and logged models with their tags, params and metrics.
 *
 * Resumable by construction: each run (and each logged model) is written in one transaction
 * together with everything of it, and an item whose ID is already in the target is skipped, so
 * an interrupted import picks up at the first item it had not committed.
 */
import type { Kysely } from 'kysely';
import { appendToUri } from '../artifacts/uri.js';
import type { KeelSchema } from '../store/sql/registry/schema.js';
import type { SqlDatabase } from '../store/sql/sql-database.js';
import { columnsOf, encodeChunk, sortUnique } from '../store/sql/tracking/metric-chunks.js';
import type { ArtifactRelocation } from './artifact-relocation.js';
import type { MlflowSource } from './mlflow-source.js';

type Db = Kysely<KeelSchema>;
// biome-ignore lint/suspicious/noExplicitAny: rows of MLflow's schema, checked column by column
type Row = Record<string, any>;

/** Counts the tracking import reports. */
export interface TrackingImportStats {
  experiments: number;
  experimentsSkipped: number;
  conflicts: string[];
  runs: number;
  runsSkipped: number;
  metricPoints: number;
  params: number;
  tags: number;
  inputs: number;
  loggedModels: number;
  loggedModelsSkipped: number;
}

export interface TrackingImportContext {
  readonly source: MlflowSource;
  readonly target: SqlDatabase<KeelSchema>;
  readonly artifacts: ArtifactRelocation;
  /** Keel's default artifact root, for MLflow experiments stored without a location. */
  readonly defaultArtifactRoot: string;
  readonly stats: TrackingImportStats;
  readonly progress: (event: { kind: 'run' | 'experiment' | 'logged-model'; id: string }) => void;
}

const num = (value: unknown, fallback = 0): number =>
  value === null || value === undefined ? fallback : Number(value);
const str = (value: unknown, fallback = ''): string =>
  value === null || value === undefined ? fallback : String(value);

/** Inserts `rows` in statements small enough for every dialect's parameter limit. */
async function insertAll<T extends keyof KeelSchema & string>(
  db: Db,
  table: T,
  rows: readonly Row[],
  maxParameters: number,
): Promise<void> {
  if (rows.length === 0) return;
  const perRow = Object.keys(rows[0] as Row).length;
  const size = Math.max(1, Math.floor(maxParameters / perRow / 2));
  for (let at = 0; at < rows.length; at += size) {
    // biome-ignore lint/suspicious/noExplicitAny: the callers build rows of `table`'s columns
    const chunk = rows.slice(at, at + size) as any;
    await db.insertInto(table).values(chunk).execute();
  }
}

/** Experiments and their tags; an ID already in the target is kept (a name clash is reported). */
export async function importExperiments(ctx: TrackingImportContext): Promise<Set<number>> {
  const { source, target, stats } = ctx;
  const imported = new Set<number>();
  const experiments = await source.db.selectFrom('experiments').selectAll().orderBy('experiment_id').execute();
  for (const row of experiments as Row[]) {
    const id = num(row.experiment_id);
    const name = str(row.name);
    await target.transaction(async (db) => {
      const byId = await db
        .selectFrom('experiments')
        .select(['name'])
        .where('experiment_id', '=', id)
        .executeTakeFirst();
      if (byId !== undefined) {
        if (byId.name === name) {
          imported.add(id);
          stats.experimentsSkipped++;
        } else {
          stats.conflicts.push(`experiment ${id} '${name}': the target's experiment ${id} is '${byId.name}'`);
        }
        return;
      }
      const byName = await db
        .selectFrom('experiments')
        .select(['experiment_id'])
        .where('name', '=', name)
        .executeTakeFirst();
      if (byName !== undefined) {
        stats.conflicts.push(
          `experiment ${id} '${name}': the target has that name as experiment ${byName.experiment_id}`,
        );
        return;
      }
      const location = str(row.artifact_location);
      await db
        .insertInto('experiments')
        .values({
          experiment_id: id,
          name,
          artifact_location:
            location === '' ? appendToUri(ctx.defaultArtifactRoot, String(id)) : ctx.artifacts.storedUri(location),
          lifecycle_stage: str(row.lifecycle_stage, 'active'),
          creation_time: num(row.creation_time),
          last_update_time: num(row.last_update_time, num(row.creation_time)),
        })
        .execute();
      if (source.has('experiment_tags')) {
        const tags = await source.db
          .selectFrom('experiment_tags')
          .selectAll()
          .where('experiment_id', '=', id)
          .execute();
        await insertAll(
          db,
          'experiment_tags',
          (tags as Row[]).map((t) => ({ experiment_id: id, key: str(t.key), value: str(t.value) })),
          target.maxParameters,
        );
      }
      imported.add(id);
      stats.experiments++;
      ctx.progress({ kind: 'experiment', id: String(id) });
    });
  }
  return imported;
}

/** A run's metric points, one packed chunk per key (its whole history), and its latest values. */
async function runMetrics(source: MlflowSource, runId: string) {
  const points = (await source.db
    .selectFrom('metrics')
    .select(['key', 'value', 'timestamp', 'step', 'is_nan'])
    .where('run_uuid', '=', runId)
    .execute()) as Row[];
  const byKey = new Map<string, { timestamp: number; step: number; value: number }[]>();
  for (const p of points) {
    const key = str(p.key);
    const list = byKey.get(key) ?? [];
    // MLflow keeps NaN as 0 with a flag; Keel's chunks hold NaN itself.
    list.push({ timestamp: num(p.timestamp), step: num(p.step), value: num(p.is_nan) ? Number.NaN : num(p.value) });
    byKey.set(key, list);
  }
  const chunks = [];
  const latest = [];
  for (const [key, list] of byKey) {
    const columns = sortUnique(columnsOf(list));
    let minStep = Number.POSITIVE_INFINITY;
    let maxStep = Number.NEGATIVE_INFINITY;
    let best = 0;
    for (let i = 0; i < columns.length; i++) {
      const step = columns.steps[i] as number;
      minStep = Math.min(minStep, step);
      maxStep = Math.max(maxStep, step);
      // MLflow's latest value: highest (step, timestamp, value).
      const b = best;
      const later =
        step !== columns.steps[b]
          ? step > (columns.steps[b] as number)
          : columns.timestamps[i] !== columns.timestamps[b]
            ? (columns.timestamps[i] as number) > (columns.timestamps[b] as number)
            : (columns.values[i] as number) > (columns.values[b] as number);
      if (later) best = i;
    }
    chunks.push({
      run_uuid: runId,
      key,
      point_count: columns.length,
      min_step: minStep,
      max_step: maxStep,
      data: encodeChunk(columns),
    });
    const value = columns.values[best] as number;
    latest.push({
      run_uuid: runId,
      key,
      timestamp: columns.timestamps[best] as number,
      step: columns.steps[best] as number,
      value: Number.isNaN(value) ? 0 : value,
      is_nan: Number.isNaN(value) ? 1 : 0,
    });
  }
  return { chunks, latest, count: points.length };
}

/** Dataset inputs (with their tags) and model inputs/outputs of one run. */
async function runInputs(source: MlflowSource, db: Db, runId: string, experimentId: number, maxParameters: number) {
  if (!source.has('inputs')) return 0;
  const inputs = (await source.db
    .selectFrom('inputs')
    .selectAll()
    .where((eb) =>
      eb.or([
        eb.and([eb('destination_type', '=', 'RUN'), eb('destination_id', '=', runId)]),
        eb.and([eb('source_type', 'in', ['RUN_INPUT', 'RUN_OUTPUT']), eb('source_id', '=', runId)]),
      ]),
    )
    .execute()) as Row[];
  const datasetInputs = inputs.filter((i) => i.source_type === 'DATASET' && source.has('datasets'));
  for (const [position, input] of datasetInputs.entries()) {
    const dataset = (await source.db
      .selectFrom('datasets')
      .selectAll()
      .where('dataset_uuid', '=', input.source_id)
      .executeTakeFirst()) as Row | undefined;
    if (dataset === undefined) continue;
    await db
      .insertInto('datasets')
      .values({
        dataset_uuid: str(dataset.dataset_uuid),
        experiment_id: num(dataset.experiment_id, experimentId),
        name: str(dataset.name),
        digest: str(dataset.digest),
        source_type: str(dataset.dataset_source_type),
        source: str(dataset.dataset_source),
        schema: dataset.dataset_schema ?? null,
        profile: dataset.dataset_profile ?? null,
      })
      .onConflict((oc) => oc.doNothing())
      .execute();
    await db
      .insertInto('run_inputs')
      .values({ run_uuid: runId, dataset_uuid: str(dataset.dataset_uuid), position })
      .execute();
    if (source.has('input_tags')) {
      const tags = (await source.db
        .selectFrom('input_tags')
        .selectAll()
        .where('input_uuid', '=', input.input_uuid)
        .execute()) as Row[];
      const rows = tags.map((t) => ({
        run_uuid: runId,
        dataset_uuid: str(dataset.dataset_uuid),
        key: str(t.name),
        value: str(t.value),
      }));
      await insertAll(db, 'input_tags', rows, maxParameters);
    }
  }
  const models = inputs.filter((i) => i.source_type === 'RUN_INPUT');
  await insertAll(
    db,
    'run_model_inputs',
    models.map((m, position) => ({ run_uuid: runId, model_id: str(m.destination_id), position })),
    maxParameters,
  );
  const outputs = inputs.filter((i) => i.source_type === 'RUN_OUTPUT');
  await insertAll(
    db,
    'run_model_outputs',
    outputs.map((m, position) => ({ run_uuid: runId, model_id: str(m.destination_id), step: num(m.step), position })),
    maxParameters,
  );
  return datasetInputs.length + models.length + outputs.length;
}

/** One run and everything logged to it, in one transaction; false when the target already has it. */
async function importRun(ctx: TrackingImportContext, row: Row): Promise<boolean> {
  const { source, target, stats } = ctx;
  const runId = str(row.run_uuid);
  const exists = await target.read((db) =>
    db.selectFrom('runs').select('run_uuid').where('run_uuid', '=', runId).executeTakeFirst(),
  );
  if (exists !== undefined) return false;
  const artifactUri = str(row.artifact_uri);
  // Files first: a run whose rows exist has all its files, so a resumed import may skip it.
  await ctx.artifacts.copy(artifactUri);
  const [params, tags, metrics] = await Promise.all([
    source.db.selectFrom('params').select(['key', 'value']).where('run_uuid', '=', runId).execute() as Promise<Row[]>,
    source.db.selectFrom('tags').select(['key', 'value']).where('run_uuid', '=', runId).execute() as Promise<Row[]>,
    runMetrics(source, runId),
  ]);
  const experimentId = num(row.experiment_id);
  const name = str(row.name) || str(tags.find((t) => t.key === 'mlflow.runName')?.value);
  await target.transaction(async (db) => {
    await db
      .insertInto('runs')
      .values({
        run_uuid: runId,
        experiment_id: experimentId,
        name,
        user_id: str(row.user_id),
        status: str(row.status, 'FINISHED'),
        start_time: num(row.start_time),
        end_time: row.end_time === null || row.end_time === undefined ? null : num(row.end_time),
        deleted_time: row.deleted_time === null || row.deleted_time === undefined ? null : num(row.deleted_time),
        lifecycle_stage: str(row.lifecycle_stage, 'active'),
        artifact_uri: ctx.artifacts.storedUri(artifactUri),
      })
      .execute();
    await insertAll(
      db,
      'params',
      params.map((p) => ({ run_uuid: runId, key: str(p.key), value: str(p.value) })),
      target.maxParameters,
    );
    await insertAll(
      db,
      'tags',
      tags.map((t) => ({ run_uuid: runId, key: str(t.key), value: str(t.value) })),
      target.maxParameters,
    );
    for (const chunk of metrics.chunks) await db.insertInto('metric_chunks').values(chunk).execute();
    await insertAll(db, 'latest_metrics', metrics.latest, target.maxParameters);
    stats.inputs += await runInputs(source, db, runId, experimentId, target.maxParameters);
  });
  stats.params += params.length;
  stats.tags += tags.length;
  stats.metricPoints += metrics.count;
  return true;
}

/** Every run of the imported experiments, one committed transaction each. */
export async function importRuns(ctx: TrackingImportContext, experiments: ReadonlySet<number>): Promise<void> {
  const ids = [...experiments];
  if (ids.length === 0) return;
  const runs = (await ctx.source.db
    .selectFrom('runs')
    .selectAll()
    .where('experiment_id', 'in', ids)
    .orderBy('start_time')
    .orderBy('run_uuid')
    .execute()) as Row[];
  for (const row of runs) {
    if (await importRun(ctx, row)) ctx.stats.runs++;
    else ctx.stats.runsSkipped++;
    ctx.progress({ kind: 'run', id: str(row.run_uuid) });
  }
}

/** MLflow 3 logged models of the imported experiments, with their tags, params and metrics. */
export async function importLoggedModels(ctx: TrackingImportContext, experiments: ReadonlySet<number>): Promise<void> {
  const { source, target, stats } = ctx;
  if (!source.has('logged_models') || experiments.size === 0) return;
  const models = (await source.db
    .selectFrom('logged_models')
    .selectAll()
    .where('experiment_id', 'in', [...experiments])
    .execute()) as Row[];
  for (const model of models) {
    const modelId = str(model.model_id);
    const exists = await target.read((db) =>
      db.selectFrom('logged_models').select('model_id').where('model_id', '=', modelId).executeTakeFirst(),
    );
    if (exists !== undefined) {
      stats.loggedModelsSkipped++;
      ctx.progress({ kind: 'logged-model', id: modelId });
      continue;
    }
    const location = str(model.artifact_location);
    await ctx.artifacts.copy(location);
    const read = (table: string) =>
      source.has(table)
        ? (source.db.selectFrom(table).selectAll().where('model_id', '=', modelId).execute() as Promise<Row[]>)
        : Promise.resolve([]);
    const [tags, params, metrics] = await Promise.all([
      read('logged_model_tags'),
      read('logged_model_params'),
      read('logged_model_metrics'),
    ]);
    await target.transaction(async (db) => {
      await db
        .insertInto('logged_models')
        .values({
          model_id: modelId,
          experiment_id: num(model.experiment_id),
          name: str(model.name),
          artifact_location: ctx.artifacts.storedUri(location),
          creation_timestamp_ms: num(model.creation_timestamp_ms),
          last_updated_timestamp_ms: num(model.last_updated_timestamp_ms, num(model.creation_timestamp_ms)),
          status: num(model.status),
          lifecycle_stage: str(model.lifecycle_stage, 'active'),
          model_type: model.model_type ?? null,
          source_run_id: model.source_run_id ?? null,
          status_message: model.status_message ?? null,
        })
        .execute();
      await insertAll(
        db,
        'logged_model_tags',
        tags.map((t) => ({ model_id: modelId, key: str(t.tag_key), value: str(t.tag_value) })),
        target.maxParameters,
      );
      await insertAll(
        db,
        'logged_model_params',
        params.map((p) => ({ model_id: modelId, key: str(p.param_key), value: str(p.param_value) })),
        target.maxParameters,
      );
      const points = metrics.map((m) => {
        const missing = m.metric_value === null || m.metric_value === undefined;
        return {
          model_id: modelId,
          key: str(m.metric_name),
          timestamp: num(m.metric_timestamp_ms),
          step: num(m.metric_step),
          value: missing ? 0 : num(m.metric_value),
          is_nan: missing || Number.isNaN(Number(m.metric_value)) ? 1 : 0,
          experiment_id: num(m.experiment_id, num(model.experiment_id)),
          run_id: str(m.run_id),
          dataset_name: str(m.dataset_name),
          dataset_digest: str(m.dataset_digest),
        };
      });
      await insertAll(db, 'logged_model_metrics', points, target.maxParameters);
    });
    stats.loggedModels++;
    ctx.progress({ kind: 'logged-model', id: modelId });
  }
}
