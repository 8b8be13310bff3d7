/**
 * Loads full `LoggedModel` entities (info, tags, params, metrics) for a list of model rows with
 * one query per table, whatever the number of models. Used by get, finalize and search.
 */
import {
  type KeyValue,
  LOGGED_MODEL_STATUS,
  type LoggedModel,
  type LoggedModelStatus,
  type Metric,
} from '@keel/contract';
import type { Kysely } from 'kysely';
import type { LoggedModelMetricsTable, LoggedModelsTable, TrackingSchema } from '../schema.js';
import { chunk, groupBy, wireValue } from '../tracking/rows.js';

const IN_LIST_SIZE = 900;

const STATUS_BY_NUMBER = new Map<number, LoggedModelStatus>(
  Object.entries(LOGGED_MODEL_STATUS).map(([name, n]) => [n, name as LoggedModelStatus]),
);

/** The stored number of a status name. */
export function statusNumber(status: LoggedModelStatus): number {
  return LOGGED_MODEL_STATUS[status];
}

function toStatus(n: number): LoggedModelStatus {
  return STATUS_BY_NUMBER.get(n) ?? 'LOGGED_MODEL_STATUS_UNSPECIFIED';
}

function toModelMetric(row: LoggedModelMetricsTable): Metric {
  return {
    key: row.key,
    value: wireValue(row.value, row.is_nan),
    timestamp: row.timestamp,
    step: row.step,
    // Metrics logged without a dataset are stored with '' and shown without the fields, as MLflow does.
    ...(row.dataset_name === '' ? {} : { dataset_name: row.dataset_name }),
    ...(row.dataset_digest === '' ? {} : { dataset_digest: row.dataset_digest }),
    model_id: row.model_id,
    run_id: row.run_id,
  };
}

function keyValue(row: { key: string; value: string }): KeyValue {
  return { key: row.key, value: row.value };
}

/**
 * The wire entity. `model_type` and `source_run_id` are always present (MLflow sends "" when
 * unset); tags, params and metrics are omitted when empty.
 */
export function toLoggedModel(
  row: LoggedModelsTable,
  tags: readonly KeyValue[],
  params: readonly KeyValue[],
  metrics: readonly Metric[],
): LoggedModel {
  return {
    info: {
      model_id: row.model_id,
      experiment_id: String(row.experiment_id),
      name: row.name,
      creation_timestamp_ms: row.creation_timestamp_ms,
      last_updated_timestamp_ms: row.last_updated_timestamp_ms,
      artifact_uri: row.artifact_location,
      status: toStatus(row.status),
      model_type: row.model_type ?? '',
      source_run_id: row.source_run_id ?? '',
      ...(row.status_message ? { status_message: row.status_message } : {}),
      ...(tags.length > 0 ? { tags } : {}),
    },
    data: {
      ...(params.length > 0 ? { params } : {}),
      ...(metrics.length > 0 ? { metrics } : {}),
    },
  };
}

/** Loads the entities of these model rows, in the rows' order. */
export async function loadLoggedModels(
  db: Kysely<TrackingSchema>,
  rows: readonly LoggedModelsTable[],
): Promise<LoggedModel[]> {
  const models: LoggedModel[] = [];
  for (const part of chunk(rows, IN_LIST_SIZE)) {
    const ids = part.map((r) => r.model_id);
    const [tags, params, metrics] = await Promise.all([
      db
        .selectFrom('logged_model_tags')
        .select(['model_id', 'key', 'value'])
        .where('model_id', 'in', ids)
        .orderBy('key')
        .execute(),
      db
        .selectFrom('logged_model_params')
        .select(['model_id', 'key', 'value'])
        .where('model_id', 'in', ids)
        .orderBy('key')
        .execute(),
      db
        .selectFrom('logged_model_metrics')
        .selectAll()
        .where('model_id', 'in', ids)
        .orderBy('key')
        .orderBy('step')
        .orderBy('timestamp')
        .execute(),
    ]);
    const tagsByModel = groupBy(tags, (r) => r.model_id);
    const paramsByModel = groupBy(params, (r) => r.model_id);
    const metricsByModel = groupBy(metrics, (r) => r.model_id);
    for (const row of part) {
      models.push(
        toLoggedModel(
          row,
          (tagsByModel.get(row.model_id) ?? []).map(keyValue),
          (paramsByModel.get(row.model_id) ?? []).map(keyValue),
          (metricsByModel.get(row.model_id) ?? []).map(toModelMetric),
        ),
      );
    }
  }
  return models;
}
