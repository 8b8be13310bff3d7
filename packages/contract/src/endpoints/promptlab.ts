/**
 * The prompt lab's run endpoint: the MLflow UI's prompt engineering page records one evaluated
 * prompt as a finished run (`POST /ajax-api/2.0/mlflow/runs/create-promptlab-run`, also served
 * under `/api/2.0/mlflow`). docs/compat/promptlab.md describes what the run holds.
 */
import type { Run } from '../entities/tracking.js';
import { f, message } from '../message.js';
import { endpoint } from './endpoint.js';
import { KeyValueMsg } from './tracking.js';

/**
 * A prompt, model or output parameter. MLflow's handler reads these from plain JSON and prints
 * each value with Python's `str()`, so the UI's numbers (`{"key": "temperature", "value": 0.5}`)
 * are accepted as they are sent.
 */
export const PromptlabParamMsg = message('PromptlabParam', { key: f.string({ required: true }), value: f.value() });

/**
 * MLflow checks the required fields itself, in this order and with its own message
 * (`CreatePromptlabRun request must specify <field>.`), so none is marked required here.
 */
export const createPromptlabRun = endpoint<{ run: Run }>()(
  'createPromptlabRun',
  'POST',
  '/runs/create-promptlab-run',
  message('CreatePromptlabRun', {
    experiment_id: f.string({ acceptsNumber: true }),
    run_name: f.string(),
    tags: f.list(f.message(KeyValueMsg)),
    prompt_template: f.string(),
    prompt_parameters: f.list(f.message(PromptlabParamMsg)),
    model_route: f.string(),
    model_parameters: f.list(f.message(PromptlabParamMsg)),
    model_input: f.string(),
    model_output: f.string(),
    model_output_parameters: f.list(f.message(PromptlabParamMsg)),
    mlflow_version: f.string(),
    user_id: f.string(),
    start_time: f.int64(),
  }),
);

/**
 * The prompt lab page's proxy to an MLflow AI gateway. Keel has no gateway to forward to, so it
 * answers as MLflow does when no deployments target is configured: an empty endpoint list,
 * whatever the path. Served only under `/ajax-api`, like MLflow's.
 */
export const gatewayProxy = endpoint<{ endpoints: never[] }>()(
  'gatewayProxy',
  ['GET', 'POST'],
  '/gateway-proxy',
  message('GatewayProxy', { gateway_path: f.string(), json_data: f.value() }),
  'ajax',
);

/** Every prompt lab endpoint. */
export const promptlabEndpoints = [createPromptlabRun, gatewayProxy] as const;
