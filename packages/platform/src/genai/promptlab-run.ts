/**
 * The prompt lab's run (docs/compat/promptlab.md): one evaluated prompt recorded as a run, the
 * way MLflow's `_create_promptlab_run_impl` records it. The run gets the model parameters, the
 * route and the template as params, two tags that tell the UI to show it as a prompt
 * engineering run with an evaluation table, a `model` directory in MLflow's model format (the
 * `python_function` flavor MLflow's prompt lab model loads) and `eval_results_table.json`.
 */
import { Readable } from 'node:stream';
import {
  invalidParameter,
  type KeyValue,
  MLFLOW_COMPAT_VERSION,
  type promptlab,
  type RequestOf,
  type Run,
} from '@keel/contract';
import { stringify } from 'yaml';
import type { ArtifactResolver } from '../artifacts/artifact-resolver.js';
import { DEFAULT_PYTHON_VERSION } from '../models/environment.js';
import { INPUT_EXAMPLE_FILE, inputExampleFiles, SERVING_INPUT_FILE } from '../models/input-example.js';
import { createMlModel, MLMODEL_FILE, serializeMlModel } from '../models/mlmodel.js';
import { type PythonValue, pythonJsonDumps, pythonRepr, pythonStr } from '../store/python-format.js';
import type { TrackingStore } from '../store/tracking-store.js';
import { checkLength, LIMITS, validateKeyName } from '../store/validation.js';

/** The decoded request of `POST .../runs/create-promptlab-run`. */
export type PromptlabRunRequest = RequestOf<typeof promptlab.createPromptlabRun>;

/** What recording a prompt lab run needs. */
export interface PromptlabRunDeps {
  readonly tracking: TrackingStore;
  /** Only the resolver's lookup of a run's artifact repository. */
  readonly artifacts: Pick<ArtifactResolver, 'repositoryFor'>;
  /** Told why a run ended FAILED (its artifacts could not be stored). */
  readonly logger: { error(message: string, cause?: unknown): void };
}

/** A request whose required fields are present, with every parameter value as Python's `str()` prints it. */
export interface PromptlabRunSpec {
  readonly experimentId: string;
  readonly runName?: string;
  readonly tags: readonly KeyValue[];
  readonly promptTemplate: string;
  readonly promptParameters: readonly KeyValue[];
  readonly modelRoute: string;
  readonly modelParameters: readonly KeyValue[];
  readonly modelInput: string;
  readonly modelOutput?: string;
  readonly modelOutputParameters: readonly KeyValue[];
  readonly mlflowVersion: string;
  readonly userId: string;
  readonly startTime?: number;
}

/** The tag that lists the run's tables for the UI, and the one that marks its source. */
export const PROMPTLAB_TAGS: readonly KeyValue[] = Object.freeze([
  { key: 'mlflow.loggedArtifacts', value: '[{"path": "eval_results_table.json", "type": "table"}]' },
  { key: 'mlflow.runSourceType', value: 'PROMPT_ENGINEERING' },
]);

/** The directory the model is saved in, and the evaluation table, relative to the run's artifact root. */
export const PROMPTLAB_MODEL_PATH = 'model';
export const EVAL_RESULTS_FILE = 'eval_results_table.json';

/** The module MLflow's `python_function` flavor loads a prompt lab model with. */
const LOADER_MODULE = 'mlflow.prompt.promptlab_model';
const PARAMETERS_FILE = 'parameters.yaml';

function mustSpecify(field: string): Error {
  return invalidParameter(`CreatePromptlabRun request must specify ${field}.`);
}

/** MLflow's check is Python truthiness: absent, null, "" and [] are all missing. */
function present<T>(value: T | undefined, field: string): T {
  if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) throw mustSpecify(field);
  return value;
}

function asParams(list: readonly { readonly key: string; readonly value?: unknown }[] | undefined): KeyValue[] {
  return (list ?? []).map((p) => ({ key: p.key, value: pythonStr((p.value ?? null) as PythonValue) }));
}

/**
 * Checks a request as MLflow's handler does (the same fields, in the same order, with its
 * message), then the params the run will log, so that a request the store would refuse is
 * answered 400 before any run exists (MLflow creates the run first and leaves it FAILED).
 */
export function checkPromptlabRequest(req: PromptlabRunRequest): PromptlabRunSpec {
  const experimentId = present(req.experiment_id, 'experiment_id');
  const promptTemplate = present(req.prompt_template, 'prompt_template');
  const promptParameters = asParams(present(req.prompt_parameters, 'prompt_parameters'));
  const modelRoute = present(req.model_route, 'model_route');
  const modelInput = present(req.model_input, 'model_input');
  const mlflowVersion = present(req.mlflow_version, 'mlflow_version');
  const spec: PromptlabRunSpec = {
    experimentId,
    ...(req.run_name === undefined || req.run_name === '' ? {} : { runName: req.run_name }),
    tags: (req.tags ?? []).map((t) => ({ key: t.key, value: t.value })),
    promptTemplate,
    promptParameters,
    modelRoute,
    modelParameters: asParams(req.model_parameters),
    modelInput,
    ...(req.model_output === undefined ? {} : { modelOutput: req.model_output }),
    modelOutputParameters: asParams(req.model_output_parameters),
    mlflowVersion,
    userId: req.user_id === undefined || req.user_id === '' ? 'unknown' : req.user_id,
    ...(req.start_time === undefined ? {} : { startTime: req.start_time }),
  };
  checkLoggedParams(promptlabParams(spec));
  return spec;
}

/** The run's params, in MLflow's order: the model parameters, then the route and the template. */
export function promptlabParams(spec: PromptlabRunSpec): KeyValue[] {
  return [
    ...spec.modelParameters,
    { key: 'model_route', value: spec.modelRoute },
    { key: 'prompt_template', value: spec.promptTemplate },
  ];
}

function checkLoggedParams(params: readonly KeyValue[]): void {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  params.forEach((p, i) => {
    validateKeyName(p.key, `model_parameters[${i}].key`);
    checkLength('key', p.key, LIMITS.entityKey);
    if (seen.has(p.key)) duplicates.add(p.key);
    seen.add(p.key);
  });
  if (duplicates.size > 0) {
    throw invalidParameter(
      `Duplicate parameter keys have been submitted: ${pythonRepr([...duplicates])}. Please ensure the request contains only one param value per param key.`,
    );
  }
}

/** `eval_results_table.json`: one row of the prompt parameters, the prompt, the output and the output parameters. */
export function evalResultsTable(spec: PromptlabRunSpec): string {
  const columns = [
    ...spec.promptParameters.map((p) => p.key),
    'prompt',
    'output',
    ...spec.modelOutputParameters.map((p) => p.key),
  ];
  const row: PythonValue[] = [
    ...spec.promptParameters.map((p) => p.value),
    spec.modelInput,
    spec.modelOutput ?? null,
    ...spec.modelOutputParameters.map((p) => p.value),
  ];
  return pythonJsonDumps({ columns, data: [row] });
}

/** `yaml.safe_dump` as MLflow calls it: sorted keys, block style. */
function safeDump(value: unknown): string {
  return stringify(value, { version: '1.1', sortMapEntries: true, lineWidth: 0 });
}

function stringColumns(names: readonly string[]): string {
  return pythonJsonDumps(names.map((name) => ({ type: 'string', name, required: true })));
}

/**
 * The files of the run's `model` directory (paths relative to it), and the history entry the
 * run's `mlflow.log-model.history` tag records for it (MLflow records the model before its
 * flavor is added, so the entry's `flavors` is empty).
 */
export function promptlabModelFiles(
  spec: PromptlabRunSpec,
  runId: string,
): { files: ReadonlyMap<string, string>; historyEntry: string } {
  const base = createMlModel({}, { runId, artifactPath: PROMPTLAB_MODEL_PATH });
  const historyEntry = pythonJsonDumps({
    run_id: runId,
    artifact_path: PROMPTLAB_MODEL_PATH,
    utc_time_created: base.utc_time_created ?? '',
    model_uuid: base.model_uuid ?? '',
    flavors: {},
  });
  const example = inputExampleFiles({ inputs: spec.promptParameters.map((p) => p.value) });
  // The server's own version, as MLflow pins it; the request's `mlflow_version` is only required.
  const requirement = `mlflow[gateway]==${MLFLOW_COMPAT_VERSION}`;
  const mlmodel = {
    ...base,
    flavors: {
      python_function: {
        env: { conda: 'conda.yaml', virtualenv: 'python_env.yaml' },
        loader_module: LOADER_MODULE,
        parameters_path: PARAMETERS_FILE,
        python_version: DEFAULT_PYTHON_VERSION,
      },
    },
    signature: {
      inputs: stringColumns(spec.promptParameters.map((p) => p.key)),
      outputs: stringColumns(['output']),
      params: null,
    },
    saved_input_example_info: example.info,
  };
  const parameters = {
    prompt_template: spec.promptTemplate,
    prompt_parameters: Object.fromEntries(spec.promptParameters.map((p) => [p.key, p.value])),
    model_parameters: Object.fromEntries(spec.modelParameters.map((p) => [p.key, p.value])),
    model_route: spec.modelRoute,
  };
  const files = new Map<string, string>([
    [MLMODEL_FILE, serializeMlModel(mlmodel)],
    [PARAMETERS_FILE, safeDump(parameters)],
    [INPUT_EXAMPLE_FILE, example.inputExample],
    [SERVING_INPUT_FILE, example.servingExample],
    [
      'conda.yaml',
      safeDump({
        channels: ['conda-forge'],
        dependencies: [`python=${DEFAULT_PYTHON_VERSION}`, 'pip', { pip: [requirement] }],
        name: 'mlflow-env',
      }),
    ],
    [
      'python_env.yaml',
      safeDump({
        python: DEFAULT_PYTHON_VERSION,
        build_dependencies: ['pip', 'setuptools', 'wheel'],
        dependencies: ['-r requirements.txt'],
      }),
    ],
    ['requirements.txt', requirement],
  ]);
  return { files, historyEntry };
}

async function storeArtifacts(deps: PromptlabRunDeps, run: Run, spec: PromptlabRunSpec): Promise<void> {
  const runId = run.info.run_id;
  await deps.tracking.logBatch(runId, { params: promptlabParams(spec), tags: PROMPTLAB_TAGS });
  const { files, historyEntry } = promptlabModelFiles(spec, runId);
  await deps.tracking.logModelHistory(runId, historyEntry);
  const repository = await deps.artifacts.repositoryFor(run.info.artifact_uri);
  for (const [name, text] of files) {
    await repository.write(`${PROMPTLAB_MODEL_PATH}/${name}`, Readable.from([Buffer.from(text)]));
  }
  await repository.write(EVAL_RESULTS_FILE, Readable.from([Buffer.from(evalResultsTable(spec))]));
}

/**
 * Records a checked prompt lab request as a run and returns it. The run is FINISHED when its
 * params, tags and artifacts are stored, FAILED (and the cause logged) when storing them fails,
 * as MLflow does; a request the stores refuse up front (an unknown experiment) creates nothing.
 *
 * @example
 * const run = await createPromptlabRun(deps, checkPromptlabRequest(request));
 */
export async function createPromptlabRun(deps: PromptlabRunDeps, spec: PromptlabRunSpec): Promise<Run> {
  const run = await deps.tracking.createRun({
    experiment_id: spec.experimentId,
    user_id: spec.userId,
    tags: spec.tags,
    ...(spec.runName === undefined ? {} : { run_name: spec.runName }),
    ...(spec.startTime === undefined ? {} : { start_time: spec.startTime }),
  });
  const runId = run.info.run_id;
  let status: 'FINISHED' | 'FAILED' = 'FINISHED';
  try {
    await storeArtifacts(deps, run, spec);
  } catch (error) {
    deps.logger.error(`prompt lab run ${runId}: storing its params and artifacts failed`, error);
    status = 'FAILED';
  }
  await deps.tracking.updateRun(runId, { status, end_time: Date.now() });
  return deps.tracking.getRun(runId);
}
