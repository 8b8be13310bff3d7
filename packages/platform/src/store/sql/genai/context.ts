/** What the SQL GenAI stores work with, and the lookups and messages they share. */
import { type EvaluationDataset, notFound } from '@keel/contract';
import type { Kysely } from 'kysely';
import { toPythonJson } from '../../../genai/dataset-json.js';
import type { TrackingSchema } from '../schema.js';
import type { SqlDatabase } from '../sql-database.js';
import { requireExperiment } from '../tracking/experiments.js';
import type { EvaluationDatasetsTable, GenAiSchema } from './schema.js';

export interface GenAiStoreOptions {
  /** Clock, in epoch milliseconds (tests pin it). */
  readonly now?: () => number;
}

export interface GenAiContext {
  readonly database: SqlDatabase<GenAiSchema>;
  now(): number;
}

export type GenAiDb = Kysely<GenAiSchema>;

/** Answered by get, delete and experiment-ids for an unknown dataset. */
export function datasetNotFound(datasetId: string): Error {
  return notFound(`Evaluation dataset with id '${datasetId}' not found`);
}

/** Answered by the writes (tags, records, experiment links) for an unknown dataset. */
export function datasetMissing(datasetId: string): Error {
  return notFound(`Could not find evaluation dataset with ID ${datasetId}`);
}

/** The experiments' integer ids; any unknown one -> RESOURCE_DOES_NOT_EXIST with MLflow's message. */
export async function requireExperiments(db: GenAiDb, experimentIds: readonly string[]): Promise<number[]> {
  const ids: number[] = [];
  for (const id of new Set(experimentIds)) {
    const row = await requireExperiment(db as unknown as Kysely<TrackingSchema>, id);
    ids.push(row.experiment_id);
  }
  return ids;
}

/** The dataset's row; unknown -> the given error. */
export async function requireDatasetRow(
  db: GenAiDb,
  datasetId: string,
  missing: (id: string) => Error,
): Promise<EvaluationDatasetsTable> {
  const row = await db
    .selectFrom('evaluation_datasets')
    .selectAll()
    .where('dataset_id', '=', datasetId)
    .executeTakeFirst();
  if (row === undefined) throw missing(datasetId);
  return row;
}

/** A dataset row in its wire shape; `tags` is its tag rows as a JSON object string. */
export function toDataset(
  row: EvaluationDatasetsTable,
  tags: readonly { key: string; value: string }[],
  experimentIds?: readonly number[],
): EvaluationDataset {
  return {
    dataset_id: row.dataset_id,
    name: row.name,
    tags: toPythonJson(Object.fromEntries(tags.map((t) => [t.key, t.value]))),
    ...(row.schema === null ? {} : { schema: row.schema }),
    ...(row.profile === null ? {} : { profile: row.profile }),
    digest: row.digest,
    created_time: Number(row.created_time),
    last_update_time: Number(row.last_update_time),
    ...(row.created_by === null ? {} : { created_by: row.created_by }),
    ...(row.last_updated_by === null ? {} : { last_updated_by: row.last_updated_by }),
    ...(experimentIds === undefined ? {} : { experiment_ids: experimentIds.map(String) }),
  };
}
