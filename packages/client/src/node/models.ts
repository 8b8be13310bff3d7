/**
 * Models from the SDK (Node only): `saveModel` writes a model directory in MLflow's format,
 * `logModel` logs one the way MLflow 3 does (a logged model, `runs/outputs`, uploads to the
 * model's artifact location, READY; `models:/m-<id>`) or, against servers without logged
 * models, into the run's artifacts as MLflow 2 did, and can register it in the same call;
 * `loadModel` fetches any model URI and returns a predictor.
 *
 * Writing the format and running models (onnxruntime, Python workers) live in the optional
 * `@keel/platform` package, loaded with `import()` on first use: the browser SDK and HTTP-only
 * installs never load it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LoggedModel, MlflowError, type ModelVersion, tracking } from '@keel/contract';
import { resolveArtifactStore } from '../artifacts/artifact-resolver.js';
import { DEFAULT_MULTIPART } from '../artifacts/proxy-artifact-store.js';
import type { KeelClient } from '../client/keel-client.js';
import { type RegisterModelOptions, registerModel } from '../registry/register-model.js';
import { uploadDirectory } from './file-artifacts.js';
import { LocalArtifactStore } from './local-artifact-store.js';
import { downloadModel } from './model-download.js';
import { nodeContextTags } from './system-tags.js';

/** A signature in MLflow's JSON shape: column specs, tensor specs, param specs. */
export interface SignatureSpec {
  readonly inputs?: readonly Readonly<Record<string, unknown>>[];
  readonly outputs?: readonly Readonly<Record<string, unknown>>[];
  readonly params?: readonly Readonly<Record<string, unknown>>[];
}

/** Options every flavor shares. */
export interface ModelSpecCommon {
  /** The signature; inferred from `inputExample` when absent (`false`: none). */
  readonly signature?: SignatureSpec | false;
  /** An input example: row objects, `{column: values}`, nested number lists. Saved with the model. */
  readonly inputExample?: unknown;
  /** Inference params of the example (their values become the params schema's defaults). */
  readonly params?: Readonly<Record<string, unknown>>;
  /** Infer the output schema by predicting on the example (default true). */
  readonly inferOutputs?: boolean;
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** Extra pip requirements written for MLflow's Python tools (ONNX models). */
  readonly pipRequirements?: readonly string[];
}

/**
 * What to save: an ONNX model (its `.onnx` file or bytes), or a JavaScript/TypeScript module
 * exporting `load(context)` that returns `{ predict(input, params) }`.
 *
 * @example
 * const spec: ModelSpec = { flavor: 'js_function', module: 'src/churn-rules.ts', inputExample: [{ tenure: 3, spend: 20 }] };
 */
export type ModelSpec =
  | (ModelSpecCommon & {
      readonly flavor: 'onnx';
      readonly model: string | Uint8Array;
      readonly sessionOptions?: Readonly<Record<string, unknown>>;
    })
  | (ModelSpecCommon & {
      readonly flavor: 'js_function';
      readonly module: string;
      readonly code?: string;
      readonly loader?: string;
      readonly data?: string;
    });

/** An MLmodel file's content (MLflow's key names). */
export type MlModelDocument = Readonly<Record<string, unknown>> & {
  readonly flavors: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
};

/** The parts of `@keel/platform` used here. */
interface PlatformModels {
  saveModel(dir: string, options: Record<string, unknown>): Promise<MlModelDocument>;
  createFlavorRegistry(options: Record<string, unknown>): unknown;
  loadModelDirectory(dir: string, options: Record<string, unknown>): Promise<PlatformLoadedModel>;
}

interface PlatformLoadedModel {
  readonly mlmodel: MlModelDocument;
  readonly flavor: string;
  predict(input: unknown, params?: Readonly<Record<string, unknown>>): Promise<unknown>;
  close(): Promise<void>;
}

// A variable specifier: bundlers must not pull the platform into client bundles.
const PLATFORM_PACKAGE = '@keel/platform';

async function platform(what: string): Promise<PlatformModels> {
  try {
    return (await import(PLATFORM_PACKAGE)) as PlatformModels;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw error;
    throw new MlflowError(
      'INVALID_PARAMETER_VALUE',
      `${what} needs the optional package @keel/platform (npm install @keel/platform), which holds the model format and runtimes.`,
      { cause: error },
    );
  }
}

/**
 * Saves a model directory (`dir` must be empty or absent) and returns its MLmodel.
 *
 * @example
 * await saveModel('out/model', { flavor: 'onnx', model: 'classifier.onnx', inputExample: [[5.1, 3.5, 1.4, 0.2]] });
 */
export async function saveModel(dir: string, spec: ModelSpec): Promise<MlModelDocument> {
  return (await platform('saveModel')).saveModel(dir, { ...spec });
}

/** Options of `logModel`. */
export type LogModelOptions = ModelSpec & {
  /** The model's name (MLflow 3) and its directory in the run's artifacts (older servers). Default `model`. */
  readonly name?: string;
  /** The run that produced the model; without it (MLflow 3 only) `experimentId` is required. */
  readonly runId?: string;
  readonly experimentId?: string;
  /** The run's step the model belongs to (its metrics at that step are copied onto the model). */
  readonly step?: number;
  readonly modelType?: string;
  readonly tags?: Readonly<Record<string, string>>;
  /** Registers the logged model as a new version of this registered model. */
  readonly registeredModelName?: string;
  /** Options of the registration (tags, description, wait). */
  readonly registration?: Omit<RegisterModelOptions, 'runId' | 'modelId'>;
};

/** What `logModel` logged. */
export interface LoggedModelInfo {
  /** Where the model can be loaded from: `models:/m-<id>`, or `runs:/<run>/<name>` on older servers. */
  readonly modelUri: string;
  readonly artifactUri: string;
  readonly modelId?: string;
  readonly runId?: string;
  readonly mlmodel: MlModelDocument;
  /** The registered version, when `registeredModelName` was given. */
  readonly registeredVersion?: ModelVersion;
}

const PARAMS_PER_CALL = 100;

function isMissingEndpoint(error: unknown): boolean {
  return (
    error instanceof MlflowError &&
    (error.code === 'ENDPOINT_NOT_FOUND' ||
      error.code === 'NOT_IMPLEMENTED' ||
      error.status === 404 ||
      error.status === 405)
  );
}

async function uploadModelDir(client: KeelClient, dir: string, artifactUri: string, path: string): Promise<void> {
  const store = resolveArtifactStore(artifactUri, {
    transport: client.transport,
    trackingUri: client.config.trackingUri,
    multipart: DEFAULT_MULTIPART,
    local: (root) => new LocalArtifactStore(root),
  });
  await uploadDirectory(store, dir, path);
}

/** MLflow 3: a logged model, `runs/outputs`, the run's metrics at `step` copied onto it. */
async function createLoggedModel(client: KeelClient, options: LogModelOptions): Promise<LoggedModel> {
  const name = options.name ?? 'model';
  let experimentId = options.experimentId;
  let params: { key: string; value: string }[] = [];
  if (options.runId !== undefined) {
    const { run } = await client.getRun({ run_id: options.runId });
    experimentId ??= run.info.experiment_id;
    params = (run.data.params ?? []).map((p) => ({ key: p.key, value: p.value }));
  }
  if (experimentId === undefined) {
    throw new MlflowError('INVALID_PARAMETER_VALUE', 'logModel needs a runId or an experimentId.');
  }
  const tags = Object.entries({
    ...nodeContextTags(process.argv[1] ?? '', client.config.username),
    ...options.tags,
  }).map(([key, value]) => ({ key, value }));
  const { model } = await client.createLoggedModel({
    experiment_id: experimentId,
    name,
    params: params.slice(0, PARAMS_PER_CALL),
    tags,
    ...(options.runId === undefined ? {} : { source_run_id: options.runId }),
    ...(options.modelType === undefined ? {} : { model_type: options.modelType }),
  });
  const modelId = model.info.model_id;
  for (let i = PARAMS_PER_CALL; i < params.length; i += PARAMS_PER_CALL) {
    await client.logLoggedModelParams({ model_id: modelId, params: params.slice(i, i + PARAMS_PER_CALL) });
  }
  if (options.runId !== undefined) {
    const step = options.step ?? 0;
    await client.logOutputs({ run_id: options.runId, models: [{ model_id: modelId, step }] });
    const { run } = await client.getRun({ run_id: options.runId });
    const metrics = [];
    for (const metric of run.data.metrics ?? []) {
      const history = await client.getMetricHistory({ run_id: options.runId, metric_key: metric.key });
      for (const point of history.metrics ?? []) {
        if ((point.step ?? 0) === step) metrics.push({ ...point, model_id: modelId });
      }
    }
    if (metrics.length > 0)
      await client.callEncoded(tracking.logBatch, JSON.stringify({ run_id: options.runId, metrics }));
  }
  return model;
}

/**
 * Logs a model as MLflow 3 does (a logged model with its files under its own artifact location,
 * loadable as `models:/m-<id>`), or into the run's artifacts on servers without logged models;
 * registers it when `registeredModelName` is given.
 *
 * @example
 * const info = await logModel(client, { flavor: 'onnx', model: bytes, runId: run.id, inputExample: [[5.1, 3.5, 1.4, 0.2]], registeredModelName: 'iris' });
 * console.log(info.modelUri, info.registeredVersion?.version); // models:/m-... 1
 */
export async function logModel(client: KeelClient, options: LogModelOptions): Promise<LoggedModelInfo> {
  const name = options.name ?? 'model';
  const { saveModel: save } = await platform('logModel');
  const work = await mkdtemp(join(tmpdir(), 'keel-log-model-'));
  const dir = join(work, name);
  try {
    let logged: LoggedModel | undefined;
    try {
      logged = await createLoggedModel(client, options);
    } catch (error) {
      if (!isMissingEndpoint(error)) throw error;
      logged = undefined;
    }
    let info: LoggedModelInfo;
    if (logged !== undefined) {
      const modelId = logged.info.model_id;
      const mlmodel = await save(dir, {
        ...options,
        artifactPath: logged.info.artifact_uri,
        modelId,
        ...(options.runId === undefined ? {} : { runId: options.runId }),
      });
      try {
        await uploadModelDir(client, dir, logged.info.artifact_uri, '');
      } catch (error) {
        await client.finalizeLoggedModel({ model_id: modelId, status: 'LOGGED_MODEL_UPLOAD_FAILED' }).catch(() => {});
        throw error;
      }
      await client.finalizeLoggedModel({ model_id: modelId, status: 'LOGGED_MODEL_READY' });
      info = {
        modelUri: `models:/${modelId}`,
        artifactUri: logged.info.artifact_uri,
        modelId,
        ...(options.runId === undefined ? {} : { runId: options.runId }),
        mlmodel,
      };
    } else {
      // MLflow 2: the model is a directory of the run's artifacts, recorded in the run's history tag.
      if (options.runId === undefined) {
        throw new MlflowError('INVALID_PARAMETER_VALUE', 'This server has no logged models: logModel needs a runId.');
      }
      const { run } = await client.getRun({ run_id: options.runId });
      const mlmodel = await save(dir, { ...options, artifactPath: name, runId: options.runId });
      await uploadModelDir(client, dir, run.info.artifact_uri, name);
      const history = {
        run_id: options.runId,
        artifact_path: name,
        utc_time_created: mlmodel.utc_time_created,
        model_uuid: mlmodel.model_uuid,
        flavors: mlmodel.flavors,
      };
      // MLflow 2 clients ignore a failure here too: the files are what matters.
      await client.logModel({ run_id: options.runId, model_json: JSON.stringify(history) }).catch(() => {});
      info = {
        modelUri: `runs:/${options.runId}/${name}`,
        artifactUri: `${run.info.artifact_uri.replace(/\/+$/, '')}/${name}`,
        runId: options.runId,
        mlmodel,
      };
    }
    if (options.registeredModelName === undefined) return info;
    const version = await registerModel(client, info.modelUri, options.registeredModelName, {
      ...options.registration,
      ...(info.runId === undefined ? {} : { runId: info.runId }),
      ...(info.modelId === undefined ? {} : { modelId: info.modelId }),
    });
    return { ...info, registeredVersion: version };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Options of `loadModel`. */
export interface LoadModelOptions {
  /** Python models: `local` (default) runs `python`; other environment managers plug in here too. */
  readonly envManager?: string;
  /** The interpreter of `envManager: 'local'` (default `python3`). */
  readonly python?: string;
  /** Load with this flavor instead of the first Keel can run. */
  readonly flavor?: string;
  readonly warn?: (message: string) => void;
}

/** A loaded model. `predict` enforces the model's signature and params, as MLflow's pyfunc does. */
export interface Model {
  readonly mlmodel: MlModelDocument;
  /** The flavor it runs with (`onnx`, `js_function`, `python_function`). */
  readonly flavor: string;
  /**
   * Predicts. `input` is row objects, `{column: values}`, nested number lists, or the platform's
   * DataFrame/Tensor; the result is a DataFrame, a Tensor, a map of tensors or plain values
   * (all of which `JSON.stringify` writes as MLflow's scoring server would).
   */
  predict(input: unknown, params?: Readonly<Record<string, unknown>>): Promise<unknown>;
  /** Stops the runtime (Python workers) and removes a downloaded copy. */
  close(): Promise<void>;
}

/**
 * Loads a model from a local directory or any model URI (`runs:/`, `models:/<name>/<version>`,
 * `models:/<name>@<alias>`, `models:/m-<id>`), downloading it through `client` when needed.
 *
 * @example
 * const model = await loadModel('models:/churn@champion', client);
 * const predictions = await model.predict([{ tenure: 3, spend: 20 }]);
 * await model.close();
 */
export async function loadModel(uri: string, client?: KeelClient, options: LoadModelOptions = {}): Promise<Model> {
  const runtime = await platform('loadModel');
  const local = await downloadModel(client, uri);
  try {
    const flavors = runtime.createFlavorRegistry({
      ...(options.envManager === undefined ? {} : { envManager: options.envManager }),
      ...(options.python === undefined ? {} : { python: options.python }),
      ...(options.warn === undefined ? {} : { log: options.warn }),
    });
    const loaded = await runtime.loadModelDirectory(local.dir, {
      flavors,
      ...(options.flavor === undefined ? {} : { flavor: options.flavor }),
      ...(options.warn === undefined ? {} : { warn: options.warn }),
    });
    return {
      mlmodel: loaded.mlmodel,
      flavor: loaded.flavor,
      predict: (input, params) => loaded.predict(input, params),
      close: async () => {
        await loaded.close();
        await local.remove();
      },
    };
  } catch (error) {
    await local.remove();
    throw error;
  }
}
