/**
 * The evaluation-dataset seam (MLflow 3 GenAI). Implementations keep datasets in the tracking
 * store's database (they link to its experiments) and pass the contract suite in
 * `evaluation-dataset-store.contract.ts`. Methods take validated input (tags and records already
 * parsed from their JSON strings, see `genai/dataset-json.ts`) and return wire entities; errors
 * are `MlflowError`s with MLflow's codes and messages.
 */
import type { DatasetRecord, EvaluationDataset } from '@keel/contract';
import type { DatasetRecordInput } from '../genai/dataset-json.js';
import type { Page } from './tracking-store.js';

export interface CreateDatasetInput {
  readonly name: string;
  readonly experiment_ids?: readonly string[];
  readonly tags?: Readonly<Record<string, string>>;
}

export interface SearchDatasetsInput {
  readonly experiment_ids?: readonly string[];
  readonly filter_string?: string;
  readonly max_results?: number;
  readonly order_by?: readonly string[];
  readonly page_token?: string;
}

export interface UpsertResult {
  readonly inserted_count: number;
  readonly updated_count: number;
}

export interface EvaluationDatasetStore {
  /** Creates a dataset; `mlflow.user` in the tags names its creator. Unknown experiment -> 404. */
  createDataset(input: CreateDatasetInput): Promise<EvaluationDataset>;
  /** Unknown (or deleted) id -> RESOURCE_DOES_NOT_EXIST. */
  getDataset(datasetId: string): Promise<EvaluationDataset>;
  /** Deletes the dataset with its records, tags and experiment links. */
  deleteDataset(datasetId: string): Promise<void>;
  /** Datasets matching the filter, newest first unless ordered otherwise. */
  searchDatasets(input: SearchDatasetsInput): Promise<Page<EvaluationDataset>>;
  /** Sets tags (a null value deletes that tag); neither the digest nor the update time change. */
  setDatasetTags(datasetId: string, tags: Readonly<Record<string, string | null>>): Promise<void>;
  /** Deletes one tag; an absent tag is not an error. */
  deleteDatasetTag(datasetId: string, key: string): Promise<void>;
  /**
   * Inserts records, or updates the record with the same inputs: expectations and tags are
   * merged, outputs and source replaced when given. Refreshes the schema, profile and digest.
   */
  upsertRecords(datasetId: string, records: readonly DatasetRecordInput[]): Promise<UpsertResult>;
  /** Records in creation order; an unknown dataset has none (as MLflow answers). */
  getRecords(
    datasetId: string,
    page: { readonly max_results?: number; readonly page_token?: string },
  ): Promise<Page<DatasetRecord>>;
  /** Deletes records by id; returns how many existed. */
  deleteRecords(datasetId: string, recordIds: readonly string[]): Promise<number>;
  getExperimentIds(datasetId: string): Promise<string[]>;
  /** Links the dataset to more experiments (already linked ones are kept); returns it with all its links. */
  addToExperiments(datasetId: string, experimentIds: readonly string[]): Promise<EvaluationDataset>;
  /** Unlinks the dataset from experiments; returns it with the links left. */
  removeFromExperiments(datasetId: string, experimentIds: readonly string[]): Promise<EvaluationDataset>;
}
