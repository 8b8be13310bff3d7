/**
 * MLflow 3 evaluation-dataset endpoints. Tags and records arrive as JSON inside strings and are
 * parsed here (with clear errors) before the store sees them.
 */
import { datasets } from '@keel/contract';
import { parseRecordsJson, parseTagsJson, toPythonJson } from '../../genai/dataset-json.js';
import { bind, pageResponse } from '../handler.js';

const ok = {};

export const datasetRoutes = [
  bind(datasets.createDataset, async (req, { deps }) => ({
    dataset: await deps.datasets.createDataset({
      name: req.name,
      ...(req.experiment_ids === undefined ? {} : { experiment_ids: req.experiment_ids }),
      ...(req.tags ? { tags: parseTagsJson(req.tags, 'tags') } : {}),
    }),
  })),
  bind(datasets.searchEvaluationDatasets, async (req, { deps }) =>
    pageResponse('datasets', await deps.datasets.searchDatasets(req)),
  ),
  bind(datasets.getDataset, async (req, { deps }) => ({ dataset: await deps.datasets.getDataset(req.dataset_id) })),
  bind(datasets.deleteDataset, async (req, { deps }) => {
    await deps.datasets.deleteDataset(req.dataset_id);
    return ok;
  }),
  bind(datasets.setDatasetTags, async (req, { deps }) => {
    await deps.datasets.setDatasetTags(req.dataset_id, parseTagsJson(req.tags, 'tags', true));
    return ok;
  }),
  bind(datasets.deleteDatasetTag, async (req, { deps }) => {
    await deps.datasets.deleteDatasetTag(req.dataset_id, req.key);
    return ok;
  }),
  bind(datasets.upsertDatasetRecords, async (req, { deps }) =>
    deps.datasets.upsertRecords(req.dataset_id, parseRecordsJson(req.records)),
  ),
  bind(datasets.getDatasetRecords, async (req, { deps }) => {
    const page = await deps.datasets.getRecords(req.dataset_id, req);
    // MLflow sends the page as a JSON array inside a string.
    return {
      records: toPythonJson(page.items),
      ...(page.next_page_token ? { next_page_token: page.next_page_token } : {}),
    };
  }),
  bind(datasets.deleteDatasetRecords, async (req, { deps }) => ({
    deleted_count: await deps.datasets.deleteRecords(req.dataset_id, req.dataset_record_ids ?? []),
  })),
  bind(datasets.getDatasetExperimentIds, async (req, { deps }) => {
    const ids = await deps.datasets.getExperimentIds(req.dataset_id);
    return ids.length > 0 ? { experiment_ids: ids } : {};
  }),
  bind(datasets.addDatasetToExperiments, async (req, { deps }) => ({
    dataset: await deps.datasets.addToExperiments(req.dataset_id, req.experiment_ids ?? []),
  })),
  bind(datasets.removeDatasetFromExperiments, async (req, { deps }) => ({
    dataset: await deps.datasets.removeFromExperiments(req.dataset_id, req.experiment_ids ?? []),
  })),
];
