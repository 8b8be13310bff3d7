/**
 * Registering a model as MLflow 3's `mlflow.register_model` does (registry-api.md §8): the
 * registered model is created when missing, a `runs:/` source becomes the run's artifact
 * directory (when it holds an `MLmodel`) or the logged model the run produced under that name,
 * the version is created and polled until READY, and the logged model's `mlflow.modelVersions`
 * tag lists the new version. Only HTTP calls of the contract: runs in browsers too.
 */
import {
  type KeyValue,
  MlflowError,
  type ModelVersion,
  notFound,
  parseModelUri,
  resolveModelUri,
} from '@keel/contract';
import type { KeelClient } from '../client/keel-client.js';
import { sleep } from '../transport/retry.js';
import { modelUriClientFor } from './model-uri-client.js';

/** Logged-model tag listing the registered versions made from it (a JSON list of `{name, version}`). */
const MODEL_VERSIONS_TAG = 'mlflow.modelVersions';
/** MLflow's default `await_registration_for`. */
const DEFAULT_WAIT_MS = 300_000;
const DEFAULT_POLL_MS = 1000;

/**
 * Options of `registerModel`.
 *
 * @example
 * await client.registerModel('runs:/abc/model', 'churn', { tags: { team: 'ml' }, waitTimeoutMs: 60_000 });
 */
export interface RegisterModelOptions {
  /** Tags of the new version. */
  readonly tags?: Readonly<Record<string, string>>;
  /** Description of the new version. */
  readonly description?: string;
  /** The run the model comes from (taken from a `runs:/` source when not given). */
  readonly runId?: string;
  /** The logged model it comes from (taken from a `models:/m-...` or resolved `runs:/` source when not given). */
  readonly modelId?: string;
  /** How long to wait for READY (default 300 s, as MLflow); 0 returns the version as created. */
  readonly waitTimeoutMs?: number;
  /** Time between status polls (default 1 s). */
  readonly pollIntervalMs?: number;
  /** Called with the version each time its status is read, the creation answer included. */
  readonly onPoll?: (version: ModelVersion) => void;
  /** Cancels the registration between calls and while waiting. */
  readonly signal?: AbortSignal;
}

/** What a model URI registers: the version's source, and the run and logged model behind it. */
interface ResolvedSource {
  readonly source: string;
  readonly runId?: string;
  readonly modelId?: string;
}

/**
 * Registers `source` (a `runs:/`, `models:/` or artifact URI) as a new version of model `name`,
 * creating the model if needed, and resolves with the version once it is READY.
 * FAILED_REGISTRATION rejects with INVALID_STATE; a version still pending after
 * `waitTimeoutMs` rejects with DEADLINE_EXCEEDED.
 *
 * @example
 * const version = await registerModel(client, `runs:/${runId}/model`, 'churn');
 * await client.setRegisteredModelAlias({ name: 'churn', alias: 'champion', version: version.version });
 */
export async function registerModel(
  client: KeelClient,
  source: string,
  name: string,
  options: RegisterModelOptions = {},
): Promise<ModelVersion> {
  const call = options.signal === undefined ? {} : { signal: options.signal };
  try {
    await client.createRegisteredModel({ name }, call);
  } catch (error) {
    // MLflow tolerates both spellings: its own server's and Databricks'.
    const code = error instanceof MlflowError ? error.rawCode : undefined;
    if (code !== 'RESOURCE_ALREADY_EXISTS' && code !== 'ALREADY_EXISTS') throw error;
  }
  const resolved = await resolveSource(client, source, call);
  const runId = options.runId ?? resolved.runId;
  const modelId = options.modelId ?? resolved.modelId;
  const tags: KeyValue[] = Object.entries(options.tags ?? {}).map(([key, value]) => ({ key, value }));
  const created = await client.createModelVersion(
    {
      name,
      source: resolved.source,
      ...(runId === undefined ? {} : { run_id: runId }),
      ...(tags.length === 0 ? {} : { tags }),
      ...(options.description === undefined ? {} : { description: options.description }),
      ...(modelId === undefined ? {} : { model_id: modelId }),
    },
    call,
  );
  const version = await waitUntilReady(client, created.model_version, options);
  if (modelId !== undefined) await recordOnLoggedModel(client, modelId, version, call);
  return version;
}

/**
 * Where a source's artifacts are, per registry-api.md §8 step 2: a `runs:/` URI registers the
 * run's directory when it holds an `MLmodel`, else the logged model of that name produced by the
 * run (as `models:/<id>`); other sources pass unchanged. Resolution is the contract's one
 * resolver, with an `MLmodel` check as its artifact probe.
 */
async function resolveSource(
  client: KeelClient,
  source: string,
  call: { signal?: AbortSignal },
): Promise<ResolvedSource> {
  const parsed = parseModelUri(source);
  if (parsed.kind === 'logged-model' && parsed.path === '') return { source, modelId: parsed.modelId };
  if (parsed.kind !== 'run') return { source };
  const resolver = {
    ...modelUriClientFor(client, call),
    artifactExists: async () => (await runPathHasMlModel(client, parsed.runId, parsed.path, call)) !== false,
  };
  try {
    const resolved = await resolveModelUri(source, resolver);
    if (resolved.modelId !== undefined) {
      return { source: `models:/${resolved.modelId}`, runId: parsed.runId, modelId: resolved.modelId };
    }
    return { source: resolved.artifactUri.replace(/\/+$/, ''), runId: parsed.runId };
  } catch (error) {
    if (error instanceof MlflowError && error.code === 'RESOURCE_DOES_NOT_EXIST' && parsed.path !== '') {
      throw notFound(
        `Unable to find a logged_model with artifact_path ${parsed.path} under run ${parsed.runId} (and no MLmodel in the run's '${parsed.path}')`,
      );
    }
    throw error;
  }
}

/**
 * Whether the run's artifact directory `path` holds an `MLmodel` file, through the tracking API's
 * artifact listing; undefined when the server does not offer that listing.
 */
async function runPathHasMlModel(
  client: KeelClient,
  runId: string,
  path: string,
  call: { signal?: AbortSignal },
): Promise<boolean | undefined> {
  try {
    const listed = await client.listArtifacts({ run_id: runId, path }, call);
    // Servers answer paths relative to the run root; tolerate bare names too.
    return (listed.files ?? []).some((f) => f.path === `${path}/MLmodel` || f.path === 'MLmodel');
  } catch (error) {
    if (error instanceof MlflowError && (error.code === 'ENDPOINT_NOT_FOUND' || error.code === 'NOT_IMPLEMENTED')) {
      return undefined;
    }
    throw error;
  }
}

/** Polls the version until it leaves PENDING_REGISTRATION (or the wait ends). */
async function waitUntilReady(
  client: KeelClient,
  created: ModelVersion,
  options: RegisterModelOptions,
): Promise<ModelVersion> {
  const waitMs = options.waitTimeoutMs ?? DEFAULT_WAIT_MS;
  const deadline = Date.now() + waitMs;
  const call = options.signal === undefined ? {} : { signal: options.signal };
  let version = created;
  options.onPoll?.(version);
  while (version.status === 'PENDING_REGISTRATION') {
    if (waitMs === 0) return version;
    if (Date.now() >= deadline) {
      throw new MlflowError(
        'DEADLINE_EXCEEDED',
        `Model version ${version.name} ${version.version} is still PENDING_REGISTRATION after ${waitMs / 1000} s`,
      );
    }
    await sleep(
      Math.min(options.pollIntervalMs ?? DEFAULT_POLL_MS, Math.max(0, deadline - Date.now())),
      options.signal,
    );
    version = (await client.getModelVersion({ name: version.name, version: version.version }, call)).model_version;
    options.onPoll?.(version);
  }
  if (version.status === 'FAILED_REGISTRATION') {
    throw new MlflowError(
      'INVALID_STATE',
      `Registration of model version ${version.name} ${version.version} failed${version.status_message ? `: ${version.status_message}` : ''}`,
    );
  }
  return version;
}

/**
 * Adds `{name, version}` to the logged model's `mlflow.modelVersions` tag, as MLflow's client
 * does after registering. Keel's server has usually recorded it already; an equal entry is not
 * added twice (MLflow's client would, and readers tolerate both).
 */
async function recordOnLoggedModel(
  client: KeelClient,
  modelId: string,
  version: ModelVersion,
  call: { signal?: AbortSignal },
): Promise<void> {
  const { model } = await client.getLoggedModel({ model_id: modelId }, call);
  const current = model.info.tags?.find((t) => t.key === MODEL_VERSIONS_TAG)?.value;
  let entries: unknown[] = [];
  try {
    const parsed: unknown = JSON.parse(current ?? '[]');
    if (Array.isArray(parsed)) entries = parsed;
  } catch {
    // An unreadable tag is replaced by a fresh list rather than failing the registration.
  }
  const listed = entries.some((entry) => {
    const e = entry as { name?: unknown; version?: unknown } | null;
    return e?.name === version.name && String(e?.version) === version.version;
  });
  if (listed) return;
  entries.push({ name: version.name, version: version.version });
  await client.setLoggedModelTags(
    { model_id: modelId, tags: [{ key: MODEL_VERSIONS_TAG, value: JSON.stringify(entries) }] },
    call,
  );
}
