/**
 * Loads full `Run` entities (info, latest metrics, params, tags, inputs, outputs) for a list of
 * run ids with one query per table, whatever the number of runs. Used by get-run and search.
 */
import type { DatasetInput, KeyValue, Run, RunInputs } from '@keel/contract';
import type { Kysely } from 'kysely';
import { sqlDialect } from '../dialect.js';
import type { TrackingSchema } from '../schema.js';
import type { SqlDialectName } from '../sql-database.js';
import { chunk, groupBy, toMetric, toRunInfo } from './rows.js';

export interface RunLoadOptions {
  /** The database's dialect (the JSON aggregation differs). */
  readonly dialect: SqlDialectName;
  /** Include `inputs.model_inputs` (get-run does; search does not). */
  readonly modelInputs: boolean;
  /** Include `outputs` (get-run and search do; create-run does not). */
  readonly outputs: boolean;
}

const IN_LIST_SIZE = 900;

/** Loads the runs with these ids, in the given order; unknown ids are skipped. */
export async function loadRuns(
  db: Kysely<TrackingSchema>,
  runIds: readonly string[],
  options: RunLoadOptions,
): Promise<Run[]> {
  if (runIds.length === 0) return [];
  const runs: Run[] = [];
  for (const ids of chunk(runIds, IN_LIST_SIZE)) runs.push(...(await loadChunk(db, ids, options)));
  return runs;
}

/**
 * Pads an id list to one of a few sizes (repeating the last id), so that the statements of the
 * loader come in few shapes and stay in the driver's prepared-statement cache.
 */
function padIds(ids: string[]): string[] {
  const size = ids.length <= 10 ? 10 : ids.length <= 100 ? 100 : IN_LIST_SIZE;
  if (ids.length >= size) return ids;
  const padded = ids.slice();
  while (padded.length < size) padded.push(ids[ids.length - 1] as string);
  return padded;
}

async function loadChunk(db: Kysely<TrackingSchema>, runIds: string[], options: RunLoadOptions): Promise<Run[]> {
  const ids = padIds(runIds);
  const dialect = sqlDialect(options.dialect);
  const parseAggregate = (value: unknown) => dialect.parseJsonRows(value);
  // A run's params, tags and latest metrics come as one JSON array per run: turning ~1,500 rows
  // into JS objects costs more than the database building and V8 parsing the JSON.
  const grouped = <T extends 'latest_metrics' | 'params' | 'tags'>(table: T, columns: readonly string[]) =>
    db
      .selectFrom(table as 'params')
      .select(['run_uuid', dialect.jsonRows(columns).as('rows')])
      .where('run_uuid', 'in', ids)
      .groupBy('run_uuid')
      .execute();
  const [infos, metricRows, paramRows, tagRows, inputs, inputTags, modelInputs, outputs] = await Promise.all([
    db.selectFrom('runs').selectAll().where('run_uuid', 'in', ids).execute(),
    grouped('latest_metrics', ['key', 'value', 'is_nan', 'timestamp', 'step']),
    grouped('params', ['key', 'value']),
    grouped('tags', ['key', 'value']),
    db
      .selectFrom('run_inputs')
      .innerJoin('datasets', 'datasets.dataset_uuid', 'run_inputs.dataset_uuid')
      .select([
        'run_inputs.run_uuid',
        'run_inputs.dataset_uuid',
        'datasets.name',
        'datasets.digest',
        'datasets.source_type',
        'datasets.source',
        'datasets.schema',
        'datasets.profile',
      ])
      .where('run_inputs.run_uuid', 'in', ids)
      .orderBy('run_inputs.position')
      .execute(),
    db
      .selectFrom('input_tags')
      .select(['run_uuid', 'dataset_uuid', 'key', 'value'])
      .where('run_uuid', 'in', ids)
      .execute(),
    options.modelInputs
      ? db
          .selectFrom('run_model_inputs')
          .select(['run_uuid', 'model_id'])
          .where('run_uuid', 'in', ids)
          .orderBy('position')
          .execute()
      : Promise.resolve([]),
    options.outputs
      ? db
          .selectFrom('run_model_outputs')
          .select(['run_uuid', 'model_id', 'step'])
          .where('run_uuid', 'in', ids)
          .orderBy('position')
          .execute()
      : Promise.resolve([]),
  ]);

  const metricsByRun = new Map(
    metricRows.map((r) => [
      r.run_uuid,
      parseAggregate(r.rows).map(([key, value, isNan, timestamp, step]) =>
        toMetric({
          key: key as string,
          value: value as number,
          is_nan: isNan as number,
          timestamp: timestamp as number,
          step: step as number,
        }),
      ),
    ]),
  );
  const keyValues = (rows: { run_uuid: string; rows: unknown }[]) =>
    new Map(rows.map((r) => [r.run_uuid, parseAggregate(r.rows).map(([key, value]) => ({ key, value }) as KeyValue)]));
  const paramsByRun = keyValues(paramRows);
  const tagsByRun = keyValues(tagRows);
  const inputsByRun = groupBy(inputs, (r) => r.run_uuid);
  const inputTagsByInput = groupBy(inputTags, (r) => `${r.run_uuid}/${r.dataset_uuid}`);
  const modelInputsByRun = groupBy(modelInputs, (r) => r.run_uuid);
  const outputsByRun = groupBy(outputs, (r) => r.run_uuid);
  const infoById = new Map(infos.map((row) => [row.run_uuid, row]));

  const runs: Run[] = [];
  for (const id of runIds) {
    const info = infoById.get(id);
    if (info === undefined) continue;
    const runMetrics = metricsByRun.get(id) ?? [];
    const runParams = paramsByRun.get(id) ?? [];
    const runTags = tagsByRun.get(id) ?? [];
    const datasetInputs: DatasetInput[] = (inputsByRun.get(id) ?? []).map((row) => {
      const tagsOfInput = (inputTagsByInput.get(`${id}/${row.dataset_uuid}`) ?? []).map(keyValue);
      return {
        ...(tagsOfInput.length > 0 ? { tags: tagsOfInput } : {}),
        dataset: {
          name: row.name,
          digest: row.digest,
          source_type: row.source_type,
          source: row.source,
          ...(row.schema === null ? {} : { schema: row.schema }),
          ...(row.profile === null ? {} : { profile: row.profile }),
        },
      };
    });
    const runModelInputs = (modelInputsByRun.get(id) ?? []).map((r) => ({ model_id: r.model_id }));
    const inputsOut: RunInputs = {
      ...(datasetInputs.length > 0 ? { dataset_inputs: datasetInputs } : {}),
      ...(runModelInputs.length > 0 ? { model_inputs: runModelInputs } : {}),
    };
    const modelOutputs = (outputsByRun.get(id) ?? []).map((r) => ({ model_id: r.model_id, step: r.step }));
    runs.push({
      info: toRunInfo(info),
      data: {
        ...(runMetrics.length > 0 ? { metrics: runMetrics } : {}),
        ...(runParams.length > 0 ? { params: runParams } : {}),
        ...(runTags.length > 0 ? { tags: runTags } : {}),
      },
      inputs: inputsOut,
      ...(options.outputs ? { outputs: modelOutputs.length > 0 ? { model_outputs: modelOutputs } : {} } : {}),
    });
  }
  return runs;
}

function keyValue(row: { key: string; value: string }): KeyValue {
  return { key: row.key, value: row.value };
}
