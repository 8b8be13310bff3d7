/**
 * Logged-model endpoints G1-G8 (tracking-api.md §9). The artifact listing G9 is served with the
 * other artifact routes. `POST /logged-models/search` is a static path, so the router prefers it
 * over `/logged-models/{model_id}` whatever the registration order.
 */
import { tracking } from '@keel/contract';
import { bind, pageResponse } from '../handler.js';

/** Bindings of the logged-model endpoints G1-G8. */
export const loggedModelRoutes = [
  bind(tracking.createLoggedModel, async (req, { deps }) => ({ model: await deps.tracking.createLoggedModel(req) })),
  bind(tracking.searchLoggedModels, async (req, { deps }) =>
    pageResponse('models', await deps.tracking.searchLoggedModels(req)),
  ),
  bind(tracking.getLoggedModel, async (req, { deps }) => ({ model: await deps.tracking.getLoggedModel(req.model_id) })),
  bind(tracking.finalizeLoggedModel, async (req, { deps }) => ({
    model: await deps.tracking.finalizeLoggedModel(req.model_id, req.status),
  })),
  bind(tracking.deleteLoggedModel, async (req, { deps }) => {
    await deps.tracking.deleteLoggedModel(req.model_id);
    return {};
  }),
  bind(tracking.setLoggedModelTags, async (req, { deps }) => {
    await deps.tracking.setLoggedModelTags(req.model_id, req.tags ?? []);
    return {};
  }),
  bind(tracking.deleteLoggedModelTag, async (req, { deps }) => {
    await deps.tracking.deleteLoggedModelTag(req.model_id, req.tag_key);
    return {};
  }),
  bind(tracking.logLoggedModelParams, async (req, { deps }) => {
    await deps.tracking.logLoggedModelParams(req.model_id, req.params ?? []);
    return {};
  }),
];
