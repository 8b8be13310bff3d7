/** Logging endpoints (tracking-api.md §6). Single-item calls are batches of one. */
import { tracking } from '@keel/contract';
import { bind } from '../handler.js';

export const loggingRoutes = [
  bind(tracking.logMetric, async (req, { deps }) => {
    const { run_id, ...metric } = req;
    await deps.tracking.logBatch(run_id, { metrics: [metric] }, 'single');
    return {};
  }),
  bind(tracking.logParam, async (req, { deps }) => {
    await deps.tracking.logBatch(req.run_id, { params: [{ key: req.key, value: req.value }] }, 'single');
    return {};
  }),
  bind(tracking.setTag, async (req, { deps }) => {
    await deps.tracking.logBatch(req.run_id, { tags: [{ key: req.key, value: req.value }] }, 'single');
    return {};
  }),
  bind(tracking.deleteTag, async (req, { deps }) => {
    await deps.tracking.deleteTag(req.run_id, req.key);
    return {};
  }),
  bind(tracking.logBatch, async (req, { deps }) => {
    await deps.tracking.logBatch(req.run_id, req);
    return {};
  }),
  bind(tracking.logModel, async (req, { deps }) => {
    await deps.tracking.logModelHistory(req.run_id, req.model_json);
    return {};
  }),
  bind(tracking.logInputs, async (req, { deps }) => {
    await deps.tracking.logInputs(req.run_id, req.datasets ?? [], req.models ?? []);
    return {};
  }),
  bind(tracking.logOutputs, async (req, { deps }) => {
    await deps.tracking.logOutputs(req.run_id, req.models);
    return {};
  }),
];
