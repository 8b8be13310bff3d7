/** MLflow 3 scorers, registered per experiment in numbered versions (`/api/3.0/mlflow/scorers/...`). */
import type { ScorerVersion } from '../entities/genai.js';
import { f, message } from '../message.js';
import { endpoint } from './endpoint.js';

const experimentId = f.string({ required: true, acceptsNumber: true });

/** The register answer: the new version, with `experiment_id` as a string (unlike the other answers). */
export interface RegisteredScorer {
  readonly version: number;
  readonly scorer_id: string;
  readonly experiment_id: string;
  readonly name: string;
  readonly serialized_scorer: string;
  readonly creation_time: number;
}

export const registerScorer = endpoint<RegisteredScorer>()(
  'registerScorer',
  'POST',
  '/scorers/register',
  message('RegisterScorer', {
    experiment_id: experimentId,
    name: f.string({ required: true }),
    serialized_scorer: f.string({ required: true }),
  }),
  'mlflow3',
);
export const listScorers = endpoint<{ scorers?: ScorerVersion[] }>()(
  'listScorers',
  'GET',
  '/scorers/list',
  message('ListScorers', { experiment_id: experimentId }),
  'mlflow3',
);
export const listScorerVersions = endpoint<{ scorers?: ScorerVersion[] }>()(
  'listScorerVersions',
  'GET',
  '/scorers/versions',
  message('ListScorerVersions', { experiment_id: experimentId, name: f.string({ required: true }) }),
  'mlflow3',
);
export const getScorer = endpoint<{ scorer: ScorerVersion }>()(
  'getScorer',
  'GET',
  '/scorers/get',
  message('GetScorer', { experiment_id: experimentId, name: f.string({ required: true }), version: f.int32() }),
  'mlflow3',
);
export const deleteScorer = endpoint<Record<string, never>>()(
  'deleteScorer',
  'DELETE',
  '/scorers/delete',
  message('DeleteScorer', { experiment_id: experimentId, name: f.string({ required: true }), version: f.int32() }),
  'mlflow3',
);

/** Every scorer endpoint. */
export const scorerEndpoints = [registerScorer, listScorers, listScorerVersions, getScorer, deleteScorer] as const;
