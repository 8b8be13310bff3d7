/** Experiment endpoints (tracking-api.md §4). */
import { tracking } from '@keel/contract';
import { bind, pageResponse } from '../handler.js';

export const experimentRoutes = [
  bind(tracking.createExperiment, async (req, { deps }) => ({
    experiment_id: await deps.tracking.createExperiment(req),
  })),
  bind(tracking.getExperiment, async (req, { deps }) => ({
    experiment: await deps.tracking.getExperiment(req.experiment_id),
  })),
  bind(tracking.getExperimentByName, async (req, { deps }) => ({
    experiment: await deps.tracking.getExperimentByName(req.experiment_name),
  })),
  bind(tracking.searchExperiments, async (req, { deps }) =>
    pageResponse('experiments', await deps.tracking.searchExperiments(req)),
  ),
  bind(tracking.updateExperiment, async (req, { deps }) => {
    await deps.tracking.renameExperiment(req.experiment_id, req.new_name);
    return {};
  }),
  bind(tracking.deleteExperiment, async (req, { deps }) => {
    await deps.tracking.deleteExperiment(req.experiment_id);
    return {};
  }),
  bind(tracking.restoreExperiment, async (req, { deps }) => {
    await deps.tracking.restoreExperiment(req.experiment_id);
    return {};
  }),
  bind(tracking.setExperimentTag, async (req, { deps }) => {
    await deps.tracking.setExperimentTag(req.experiment_id, req);
    return {};
  }),
  bind(tracking.deleteExperimentTag, async (req, { deps }) => {
    await deps.tracking.deleteExperimentTag(req.experiment_id, req.key);
    return {};
  }),
  bind(tracking.searchDatasets, async (req, { deps }) => {
    const summaries = await deps.tracking.searchDatasets(req.experiment_ids ?? []);
    return summaries.length > 0 ? { dataset_summaries: [...summaries] } : {};
  }),
];
