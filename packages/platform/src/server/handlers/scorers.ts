/** MLflow 3 scorer endpoints: scorers registered per experiment, in numbered versions. */
import { scorers } from '@keel/contract';
import { bind } from '../handler.js';

export const scorerRoutes = [
  bind(scorers.registerScorer, async (req, { deps }) => {
    const version = await deps.scorers.registerScorer(req.experiment_id, req.name, req.serialized_scorer);
    // MLflow's register answer names fields differently from the other answers, with a string experiment_id.
    return {
      version: version.scorer_version,
      scorer_id: version.scorer_id,
      experiment_id: String(version.experiment_id),
      name: version.scorer_name,
      serialized_scorer: version.serialized_scorer,
      creation_time: version.creation_time,
    };
  }),
  bind(scorers.listScorers, async (req, { deps }) => {
    const list = await deps.scorers.listScorers(req.experiment_id);
    return list.length > 0 ? { scorers: list } : {};
  }),
  bind(scorers.listScorerVersions, async (req, { deps }) => {
    const list = await deps.scorers.listScorerVersions(req.experiment_id, req.name);
    return list.length > 0 ? { scorers: list } : {};
  }),
  bind(scorers.getScorer, async (req, { deps }) => ({
    scorer: await deps.scorers.getScorer(req.experiment_id, req.name, req.version),
  })),
  bind(scorers.deleteScorer, async (req, { deps }) => {
    await deps.scorers.deleteScorer(req.experiment_id, req.name, req.version);
    return {};
  }),
];
