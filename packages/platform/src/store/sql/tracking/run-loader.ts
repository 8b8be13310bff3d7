/**
 * Loads full `Run` entities (info, latest metrics, params, tags, inputs, outputs) for a list of
 * run ids with one query per table, whatever the number of runs. Used by get-run and search.
 */
import type { DatasetInput, KeyValue, Run, RunInputs } from '@keel/contract';
import { type Kysely, sql } from 'kysely';
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
  // A run's params, tags and latest metrics come as one JSON array per run: turning ~1,500 rows
  // into JS objects costs more than the database building and V8 parsing the JSON. They come
  // with the run row in one statement (each a correlated subquery on the table's primary key),
  // with flags saying whether the run has inputs or outputs: those tables are read only then, so
  // a page of ordinary runs is one round trip instead of seven.
  const grouped = (table: 'latest_metrics' | 'params' | 'tags', columns: readonly string[]) =>
    sql`(select ${dialect.jsonRows(columns)} from ${sql.table(table)} x where x.run_uuid = runs.run_uuid)`;
  const has = (table: string) =>
    sql<number>`case when exists (select 1 from ${sql.table(table)} x where x.run_uuid = runs.run_uuid) then 1 else 0 end`;
  const infos = await db
    .selectFrom('runs')
    .selectAll()
    .select([
      grouped('latest_metrics', ['key', 'value', 'is_nan', 'timestamp', 'step']).as('metric_rows'),
      grouped('params', ['key', 'value']).as('param_rows'),
      grouped('tags', ['key', 'value']).as('tag_rows'),
      has('run_inputs').as('has_inputs'),
      (options.modelInputs ? has('run_model_inputs') : sql<number>`0`).as('has_model_inputs'),
      (options.outputs ? has('run_model_outputs') : sql<number>`0`).as('has_outputs'),
    ])
    .where('run_uuid', 'in', ids)
    .execute();
  const any = (flag: 'has_inputs' | 'has_model_inputs' | 'has_outputs') => infos.some((row) => Number(row[flag]) === 1);
  const [inputs, inputTags, modelInputs, outputs] = await Promise.all([
    any('has_inputs')
      ? db
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
          .execute()
      : Promise.resolve([]),
    any('has_inputs')
      ? db
          .selectFrom('input_tags')
          .select(['run_uuid', 'dataset_uuid', 'key', 'value'])
          .where('run_uuid', 'in', ids)
          .execute()
      : Promise.resolve([]),
    any('has_model_inputs')
      ? db
          .selectFrom('run_model_inputs')
          .select(['run_uuid', 'model_id'])
          .where('run_uuid', 'in', ids)
          .orderBy('position')
          .execute()
      : Promise.resolve([]),
    any('has_outputs')
      ? db
          .selectFrom('run_model_outputs')
          .select(['run_uuid', 'model_id', 'step'])
          .where('run_uuid', 'in', ids)
          .orderBy('position')
          .execute()
      : Promise.resolve([]),
  ]);
  /** A run's aggregated rows; no rows aggregate to NULL on PostgreSQL. */
  const parseAggregate = (value: unknown) => (value === null ? [] : dialect.parseJsonRows(value));

  const metricsByRun = new Map(
    infos.map((r) => [
      r.run_uuid,
      parseAggregate(r.metric_rows).map(([key, value, isNan, timestamp, step]) =>
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
  const keyValues = (column: 'param_rows' | 'tag_rows') =>
    new Map(
      infos.map((r) => [r.run_uuid, parseAggregate(r[column]).map(([key, value]) => ({ key, value }) as KeyValue)]),
    );
  const paramsByRun = keyValues('param_rows');
  const tagsByRun = keyValues('tag_rows');
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
