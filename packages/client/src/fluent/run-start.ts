/**
 * The server calls behind starting runs, as MLflow's client makes them (tracking-api.md §10):
 * experiments by name are fetched and created when missing; a joined run is fetched and set
 * RUNNING again, keeping its previous end time.
 */
import { type Experiment, invalidParameter, type KeyValue, MlflowError, type RunInfo } from '@keel/contract';
import type { KeelClient } from '../client/keel-client.js';
import { toValueString } from './validation.js';

/**
 * The experiment named `name`, created if it does not exist.
 *
 * @example
 * const experiment = await getOrCreateExperiment(client, 'demo');
 */
export async function getOrCreateExperiment(client: KeelClient, name: string): Promise<Experiment> {
  try {
    return (await client.getExperimentByName({ experiment_name: name })).experiment;
  } catch (error) {
    if (!(error instanceof MlflowError && error.code === 'RESOURCE_DOES_NOT_EXIST')) throw error;
  }
  try {
    const { experiment_id } = await client.createExperiment({ name });
    return (await client.getExperiment({ experiment_id })).experiment;
  } catch (error) {
    // Another process created it between our two calls.
    if (!(error instanceof MlflowError && error.code === 'RESOURCE_ALREADY_EXISTS')) throw error;
    return (await client.getExperimentByName({ experiment_name: name })).experiment;
  }
}

/**
 * Creates a run with the given tags (the run name is also sent as `run_name`).
 *
 * @example
 * const info = await createRunWithTags(client, '0', { 'mlflow.runName': 'r1' });
 */
export async function createRunWithTags(
  client: KeelClient,
  experimentId: string,
  tags: Readonly<Record<string, string>>,
): Promise<RunInfo> {
  const user = tags['mlflow.user'];
  const runName = tags['mlflow.runName'];
  const { run } = await client.createRun({
    experiment_id: experimentId,
    start_time: Date.now(),
    tags: Object.entries(tags).map(([key, value]): KeyValue => ({ key, value })),
    ...(runName === undefined ? {} : { run_name: runName }),
    ...(user === undefined ? {} : { user_id: user }),
  });
  return run.info;
}

/**
 * Sets an existing run RUNNING again; returns its info and its parent run ID, if any.
 *
 * @example
 * const { info } = await resumeRun(client, process.env.MLFLOW_RUN_ID ?? '', undefined);
 */
export async function resumeRun(
  client: KeelClient,
  runId: string,
  runName: string | undefined,
): Promise<{ info: RunInfo; parentRunId: string | undefined }> {
  const { run } = await client.getRun({ run_id: runId });
  if (run.info.lifecycle_stage === 'deleted') throw invalidParameter(`Cannot resume run ${runId}: it is deleted.`);
  const { run_info } = await client.updateRun({
    run_id: runId,
    status: 'RUNNING',
    ...(run.info.end_time === undefined ? {} : { end_time: run.info.end_time }),
    ...(runName === undefined ? {} : { run_name: runName }),
  });
  return { info: run_info, parentRunId: run.data.tags?.find((t) => t.key === 'mlflow.parentRunId')?.value };
}

/**
 * Parses `MLFLOW_RUN_CONTEXT`: a JSON object whose values become tag strings.
 *
 * @example
 * parseRunContext('{"ci.job": 42}'); // { 'ci.job': '42' }
 */
export function parseRunContext(raw: string | undefined): Record<string, string> {
  if (raw === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    value = undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`MLFLOW_RUN_CONTEXT must be a JSON object of tags, got '${raw}'`);
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toValueString(v)]));
}
