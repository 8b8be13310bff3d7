/**
 * MLflow 3 evaluation datasets (`/api/3.0/mlflow/datasets/...`). Tags and records travel as
 * JSON inside strings, as the Python client sends them.
 */
import type { EvaluationDataset } from '../entities/genai.js';
import { f, message } from '../message.js';
import { endpoint } from './endpoint.js';

type Empty = Record<string, never>;

const datasetId = f.string({ required: true });
const experimentIds = f.list(f.string({ acceptsNumber: true }));

export const createDataset = endpoint<{ dataset: EvaluationDataset }>()(
  'createDataset',
  'POST',
  '/datasets/create',
  message('CreateDataset', {
    name: f.string({ required: true }),
    experiment_ids: experimentIds,
    /** A JSON object of string values, in a string. */
    tags: f.string(),
  }),
  'mlflow3',
);
export const searchEvaluationDatasets = endpoint<{ datasets?: EvaluationDataset[]; next_page_token?: string }>()(
  'searchEvaluationDatasets',
  ['POST', 'GET'],
  '/datasets/search',
  message('SearchEvaluationDatasets', {
    experiment_ids: experimentIds,
    filter_string: f.string(),
    max_results: f.int32(),
    order_by: f.list(f.string()),
    page_token: f.string(),
  }),
  'mlflow3',
);
export const getDataset = endpoint<{ dataset: EvaluationDataset }>()(
  'getDataset',
  'GET',
  '/datasets/{dataset_id}',
  message('GetDataset', { dataset_id: datasetId }),
  'mlflow3',
);
export const deleteDataset = endpoint<Empty>()(
  'deleteDataset',
  'DELETE',
  '/datasets/{dataset_id}',
  message('DeleteDataset', { dataset_id: datasetId }),
  'mlflow3',
);
export const setDatasetTags = endpoint<Empty>()(
  'setDatasetTags',
  'PATCH',
  '/datasets/{dataset_id}/tags',
  message('SetDatasetTags', { dataset_id: datasetId, tags: f.string({ required: true }) }),
  'mlflow3',
);
export const deleteDatasetTag = endpoint<Empty>()(
  'deleteDatasetTag',
  'DELETE',
  '/datasets/{dataset_id}/tags/{key}',
  message('DeleteDatasetTag', { dataset_id: datasetId, key: f.string({ required: true }) }),
  'mlflow3',
);
export const upsertDatasetRecords = endpoint<{ inserted_count: number; updated_count: number }>()(
  'upsertDatasetRecords',
  'POST',
  '/datasets/{dataset_id}/records',
  message('UpsertDatasetRecords', {
    dataset_id: datasetId,
    /** A JSON array of records (`inputs`, `outputs`, `expectations`, `tags`, `source`), in a string. */
    records: f.string({ required: true }),
  }),
  'mlflow3',
);
export const getDatasetRecords = endpoint<{ records: string; next_page_token?: string }>()(
  'getDatasetRecords',
  'GET',
  '/datasets/{dataset_id}/records',
  message('GetDatasetRecords', { dataset_id: datasetId, max_results: f.int32(), page_token: f.string() }),
  'mlflow3',
);
export const deleteDatasetRecords = endpoint<{ deleted_count: number }>()(
  'deleteDatasetRecords',
  'DELETE',
  '/datasets/{dataset_id}/records',
  message('DeleteDatasetRecords', { dataset_id: datasetId, dataset_record_ids: f.list(f.string()) }),
  'mlflow3',
);
export const getDatasetExperimentIds = endpoint<{ experiment_ids?: string[] }>()(
  'getDatasetExperimentIds',
  'GET',
  '/datasets/{dataset_id}/experiment-ids',
  message('GetDatasetExperimentIds', { dataset_id: datasetId }),
  'mlflow3',
);
export const addDatasetToExperiments = endpoint<{ dataset: EvaluationDataset }>()(
  'addDatasetToExperiments',
  'POST',
  '/datasets/{dataset_id}/add-experiments',
  message('AddDatasetToExperiments', { dataset_id: datasetId, experiment_ids: experimentIds }),
  'mlflow3',
);
export const removeDatasetFromExperiments = endpoint<{ dataset: EvaluationDataset }>()(
  'removeDatasetFromExperiments',
  'POST',
  '/datasets/{dataset_id}/remove-experiments',
  message('RemoveDatasetFromExperiments', { dataset_id: datasetId, experiment_ids: experimentIds }),
  'mlflow3',
);

/** Every evaluation-dataset endpoint, in registration order (literal paths before `{param}` paths). */
export const datasetEndpoints = [
  createDataset,
  searchEvaluationDatasets,
  getDataset,
  deleteDataset,
  setDatasetTags,
  deleteDatasetTag,
  upsertDatasetRecords,
  getDatasetRecords,
  deleteDatasetRecords,
  getDatasetExperimentIds,
  addDatasetToExperiments,
  removeDatasetFromExperiments,
] as const;
