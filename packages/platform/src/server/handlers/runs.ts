/** Run endpoints (tracking-api.md §5). */
import { missingParameter, tracking } from '@keel/contract';
import { bind, pageResponse } from '../handler.js';

export const runRoutes = [
  bind(tracking.createRun, async (req, { deps }) => {
    // MLflow 3.5 inserts a run with an empty experiment id and fails on the foreign key.
    if (req.experiment_id === undefined || req.experiment_id === '') throw missingParameter('experiment_id');
    return { run: await deps.tracking.createRun({ ...req, experiment_id: req.experiment_id }) };
  }),
  bind(tracking.getRun, async (req, { deps }) => ({ run: await deps.tracking.getRun(req.run_id) })),
  bind(tracking.updateRun, async (req, { deps }) => ({ run_info: await deps.tracking.updateRun(req.run_id, req) })),
  bind(tracking.deleteRun, async (req, { deps }) => {
    await deps.tracking.deleteRun(req.run_id);
    return {};
  }),
  bind(tracking.restoreRun, async (req, { deps }) => {
    await deps.tracking.restoreRun(req.run_id);
    return {};
  }),
  bind(tracking.searchRuns, async (req, { deps }) =>
    pageResponse('runs', await deps.tracking.searchRuns({ ...req, experiment_ids: req.experiment_ids ?? [] })),
  ),
];
