/**
 * The SQL implementation of `EvaluationDatasetStore`, for SQLite and PostgreSQL alike. It shares
 * the tracking store's database (datasets link to its experiments); each family of methods
 * lives in its own module, wired here to one context.
 */
import type { DatasetRecordInput } from '../../../genai/dataset-json.js';
import type {
  CreateDatasetInput,
  EvaluationDatasetStore,
  SearchDatasetsInput,
} from '../../evaluation-dataset-store.js';
import { migrateToLatest } from '../migrations/index.js';
import type { SqlDatabase } from '../sql-database.js';
import type { GenAiContext, GenAiStoreOptions } from './context.js';
import * as records from './dataset-records.js';
import * as search from './dataset-search.js';
import * as datasets from './datasets.js';
import type { GenAiSchema } from './schema.js';

export class SqlEvaluationDatasetStore implements EvaluationDatasetStore {
  private readonly ctx: GenAiContext;

  private constructor(database: SqlDatabase<GenAiSchema>, options: GenAiStoreOptions) {
    const now = options.now ?? Date.now;
    this.ctx = Object.freeze({ database, now });
  }

  /**
   * Applies pending migrations and returns the store; the caller keeps owning the database.
   *
   * @example
   * const datasets = await SqlEvaluationDatasetStore.open(database);
   */
  static async open(
    database: SqlDatabase<GenAiSchema>,
    options: GenAiStoreOptions = {},
  ): Promise<SqlEvaluationDatasetStore> {
    await migrateToLatest(database as SqlDatabase<unknown>);
    return new SqlEvaluationDatasetStore(database, options);
  }

  createDataset(input: CreateDatasetInput) {
    return datasets.createDataset(this.ctx, input);
  }
  getDataset(datasetId: string) {
    return datasets.getDataset(this.ctx, datasetId);
  }
  deleteDataset(datasetId: string) {
    return datasets.deleteDataset(this.ctx, datasetId);
  }
  searchDatasets(input: SearchDatasetsInput) {
    return search.searchDatasets(this.ctx, input);
  }
  setDatasetTags(datasetId: string, tags: Readonly<Record<string, string | null>>) {
    return datasets.setDatasetTags(this.ctx, datasetId, tags);
  }
  deleteDatasetTag(datasetId: string, key: string) {
    return datasets.deleteDatasetTag(this.ctx, datasetId, key);
  }
  upsertRecords(datasetId: string, input: readonly DatasetRecordInput[]) {
    return records.upsertRecords(this.ctx, datasetId, input);
  }
  getRecords(datasetId: string, page: { readonly max_results?: number; readonly page_token?: string }) {
    return records.getRecords(this.ctx, datasetId, page);
  }
  deleteRecords(datasetId: string, recordIds: readonly string[]) {
    return records.deleteRecords(this.ctx, datasetId, recordIds);
  }
  getExperimentIds(datasetId: string) {
    return datasets.getExperimentIds(this.ctx, datasetId);
  }
  addToExperiments(datasetId: string, experimentIds: readonly string[]) {
    return datasets.changeExperiments(this.ctx, datasetId, experimentIds, 'add');
  }
  removeFromExperiments(datasetId: string, experimentIds: readonly string[]) {
    return datasets.changeExperiments(this.ctx, datasetId, experimentIds, 'remove');
  }
}
