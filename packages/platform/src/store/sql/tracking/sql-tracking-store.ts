/**
 * The SQL implementation of `TrackingStore`, one codebase for SQLite and PostgreSQL. Each
 * family of methods lives in its own module; this class wires them to one context. Experiment
 * names enter here and are put in NFC once (`entity-names.ts`).
 */
import type { KeyValue, LoggedModelStatus } from '@keel/contract';
import { canonicalName } from '../../entity-names.js';
import type {
  BulkIntervalInput,
  CreateExperimentInput,
  CreateLoggedModelInput,
  CreateRunInput,
  DatasetInputInput,
  DeletedItemsQuery,
  LogBatchInput,
  MetricBucketsInput,
  MetricHistoryInput,
  ParamConflictStyle,
  SearchExperimentsInput,
  SearchLoggedModelsInput,
  SearchRunsInput,
  TrackingStore,
  UpdateRunInput,
} from '../../tracking-store.js';
import * as loggedModels from '../logged-models/logged-models.js';
import { migrateToLatest } from '../migrations/index.js';
import { PreparedQueries } from '../prepared.js';
import type { TrackingSchema } from '../schema.js';
import * as search from '../search/search-runs.js';
import type { SqlDatabase } from '../sql-database.js';
import type { SqlStoreContext, SqlTrackingStoreOptions } from './context.js';
import * as experiments from './experiments.js';
import * as inputs from './inputs.js';
import * as logging from './logging.js';
import { getMetricBuckets } from './metric-buckets.js';
import * as history from './metric-history.js';
import { PagedHistories } from './metric-pages.js';
import { getMetricHistoryBulkInterval } from './metric-sampling.js';
import * as purge from './purge.js';
import * as runs from './runs.js';

export class SqlTrackingStore implements TrackingStore {
  private readonly ctx: SqlStoreContext;

  private constructor(database: SqlDatabase<TrackingSchema>, options: SqlTrackingStoreOptions) {
    const frozen = Object.freeze({ ...options });
    const now = frozen.now ?? Date.now;
    this.ctx = {
      database,
      options: frozen,
      now,
      prepared: new PreparedQueries(database.db),
      pagedHistories: new PagedHistories(),
    };
  }

  /**
   * Applies pending migrations, creates the `Default` experiment if missing, and returns the
   * store. The database handle stays owned by the caller, who may share it with the registry
   * and closes it.
   */
  static async open(
    database: SqlDatabase<TrackingSchema>,
    options: SqlTrackingStoreOptions,
  ): Promise<SqlTrackingStore> {
    await migrateToLatest(database as SqlDatabase<unknown>);
    const store = new SqlTrackingStore(database, options);
    await experiments.ensureDefaultExperiment(store.ctx);
    return store;
  }

  createExperiment(input: CreateExperimentInput) {
    return experiments.createExperiment(this.ctx, { ...input, name: canonicalName(input.name) });
  }
  getExperiment(experimentId: string) {
    return experiments.getExperiment(this.ctx, experimentId);
  }
  getExperimentByName(name: string) {
    return experiments.getExperimentByName(this.ctx, canonicalName(name));
  }
  searchExperiments(input: SearchExperimentsInput) {
    return search.searchExperiments(this.ctx, input);
  }
  renameExperiment(experimentId: string, newName: string) {
    return experiments.renameExperiment(this.ctx, experimentId, canonicalName(newName));
  }
  deleteExperiment(experimentId: string) {
    return experiments.deleteExperiment(this.ctx, experimentId);
  }
  restoreExperiment(experimentId: string) {
    return experiments.restoreExperiment(this.ctx, experimentId);
  }
  setExperimentTag(experimentId: string, tag: KeyValue) {
    return experiments.setExperimentTag(this.ctx, experimentId, tag);
  }
  deleteExperimentTag(experimentId: string, key: string) {
    return experiments.deleteExperimentTag(this.ctx, experimentId, key);
  }

  createRun(input: CreateRunInput) {
    return runs.createRun(this.ctx, input);
  }
  getRun(runId: string) {
    return runs.getRun(this.ctx, runId);
  }
  updateRun(runId: string, input: UpdateRunInput) {
    return runs.updateRun(this.ctx, runId, input);
  }
  deleteRun(runId: string) {
    return runs.deleteRun(this.ctx, runId);
  }
  restoreRun(runId: string) {
    return runs.restoreRun(this.ctx, runId);
  }
  searchRuns(input: SearchRunsInput) {
    return search.searchRuns(this.ctx, input);
  }

  logBatch(runId: string, batch: LogBatchInput, style?: ParamConflictStyle) {
    return logging.logBatch(this.ctx, runId, batch, style);
  }
  deleteTag(runId: string, key: string) {
    return logging.deleteTag(this.ctx, runId, key);
  }
  logInputs(runId: string, datasets: readonly DatasetInputInput[], models?: readonly { readonly model_id: string }[]) {
    return inputs.logInputs(this.ctx, runId, datasets, models);
  }
  logOutputs(runId: string, models: readonly { readonly model_id: string; readonly step?: number }[]) {
    return inputs.logOutputs(this.ctx, runId, models);
  }
  logModelHistory(runId: string, modelJson: string) {
    return inputs.logModelHistory(this.ctx, runId, modelJson);
  }

  getMetricHistory(runId: string, key: string, input?: MetricHistoryInput) {
    return history.getMetricHistory(this.ctx, runId, key, input);
  }
  getMetricHistoryBulkInterval(input: BulkIntervalInput) {
    return getMetricHistoryBulkInterval(this.ctx, input);
  }
  getMetricBuckets(input: MetricBucketsInput) {
    return getMetricBuckets(this.ctx, input);
  }
  getMetricHistoryBulk(runIds: readonly string[], key: string, maxResults?: number) {
    return history.getMetricHistoryBulk(this.ctx, runIds, key, maxResults);
  }
  searchDatasets(experimentIds: readonly string[]) {
    return inputs.searchDatasets(this.ctx, experimentIds);
  }

  createLoggedModel(input: CreateLoggedModelInput) {
    return loggedModels.createLoggedModel(this.ctx, input);
  }
  getLoggedModel(modelId: string) {
    return loggedModels.getLoggedModel(this.ctx, modelId);
  }
  finalizeLoggedModel(modelId: string, status: LoggedModelStatus) {
    return loggedModels.finalizeLoggedModel(this.ctx, modelId, status);
  }
  deleteLoggedModel(modelId: string) {
    return loggedModels.deleteLoggedModel(this.ctx, modelId);
  }
  searchLoggedModels(input: SearchLoggedModelsInput) {
    return loggedModels.searchLoggedModels(this.ctx, input);
  }
  setLoggedModelTags(modelId: string, tags: readonly KeyValue[]) {
    return loggedModels.setLoggedModelTags(this.ctx, modelId, tags);
  }
  deleteLoggedModelTag(modelId: string, key: string) {
    return loggedModels.deleteLoggedModelTag(this.ctx, modelId, key);
  }
  logLoggedModelParams(modelId: string, params: readonly KeyValue[]) {
    return loggedModels.logLoggedModelParams(this.ctx, modelId, params);
  }

  findDeletedRuns(query?: DeletedItemsQuery) {
    return purge.findDeletedRuns(this.ctx, query);
  }
  findDeletedExperiments(query?: DeletedItemsQuery) {
    return purge.findDeletedExperiments(this.ctx, query);
  }
  purgeRuns(runIds: readonly string[], deletedBefore?: number) {
    return purge.purgeRuns(this.ctx, runIds, deletedBefore);
  }
  purgeExperiments(experimentIds: readonly string[], deletedBefore?: number) {
    return purge.purgeExperiments(this.ctx, experimentIds, deletedBefore);
  }
  listPendingArtifactDeletions() {
    return purge.listPendingArtifactDeletions(this.ctx);
  }
  completeArtifactDeletion(pendingId: number) {
    return purge.completeArtifactDeletion(this.ctx, pendingId);
  }
}
