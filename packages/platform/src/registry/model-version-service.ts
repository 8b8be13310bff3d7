/**
 * Creating a model version end to end (registry-api.md MV1). This is where the registry meets
 * tracking: the source is checked against its run or logged model, the storage location is
 * derived from the source, and the logged model learns about its new registration. The
 * registry store itself stays independent of the tracking store.
 */

import { isAbsolute, resolve } from 'node:path';
import {
  invalidParameter,
  type LoggedModel,
  MlflowError,
  type ModelVersion,
  parseModelUri,
  resolveModelUri,
} from '@keel/contract';
import { uriScheme } from '../artifacts/uri.js';
import { exceedsJsonDepth } from '../store/bounded-json.js';
import { type PythonValue, pythonJsonDumps } from '../store/python-format.js';
import type { Actor, CreateModelVersionInput, RegistryStore } from '../store/registry-store.js';
import type { TrackingStore } from '../store/tracking-store.js';
import {
  type LocationChecks,
  PROMPT_TAG,
  type SourceValidationOptions,
  validateModelVersionSource,
} from './source-validation.js';
import { storeModelUriClient, storeSourceOwners } from './store-model-uri-client.js';

/** Logged-model tag listing the registered versions made from it (a JSON list). */
export const MODEL_VERSIONS_TAG = 'mlflow.modelVersions';

export interface ModelVersionServiceDeps {
  readonly registry: RegistryStore;
  readonly tracking: TrackingStore;
  readonly sources: SourceValidationOptions;
  /** The artifact-location policy every source, and every location inherited through `models:/`, passes. */
  readonly locations: LocationChecks;
}

/**
 * Validates the source, derives where the version's artifacts are, creates the version and
 * records it on its logged model. Nothing is written unless every check passed.
 */
export async function createModelVersion(
  deps: ModelVersionServiceDeps,
  input: CreateModelVersionInput,
  actor: Actor,
): Promise<ModelVersion> {
  await validateModelVersionSource(input, storeSourceOwners(deps.tracking), deps.sources, deps.locations);
  const isPrompt = input.tags?.some((t) => t.key === PROMPT_TAG) ?? false;
  // Fetched up front so an unknown model_id fails before anything is created.
  const loggedModel = input.model_id ? await deps.tracking.getLoggedModel(input.model_id) : undefined;
  const { storageLocation, sourceRunId } = await deriveStorageLocation(deps, input.source);
  const runId = input.run_id || sourceRunId || loggedModel?.info.source_run_id || undefined;
  const version = await deps.registry.createModelVersion(
    { ...input, ...(runId === undefined ? {} : { run_id: runId }) },
    storageLocation,
    actor,
  );
  if (loggedModel !== undefined && !isPrompt) await recordRegistration(deps.tracking, loggedModel, version);
  return version;
}

/**
 * Where a new version's artifacts are: a `models:/m-...` source points at the logged model's
 * artifacts (and supplies its run), `models:/<name>/<version>` (or alias, stage) at that
 * version's location, which must itself be a location a client could store (so a version
 * cannot inherit what it could not name); a relative local path is made absolute; any other
 * source is its own location.
 */
async function deriveStorageLocation(
  deps: ModelVersionServiceDeps,
  source: string,
): Promise<{ storageLocation: string; sourceRunId?: string }> {
  const scheme = uriScheme(source);
  if (scheme === '' && !isAbsolute(source)) return { storageLocation: resolve(deps.sources.cwd, source) };
  if (scheme !== 'models') return { storageLocation: source };
  try {
    const parsed = parseModelUri(source);
    if (parsed.kind === 'logged-model') {
      const model = await deps.tracking.getLoggedModel(parsed.modelId);
      const runId = model.info.source_run_id;
      await checkInheritedLocation(deps, model.info.artifact_uri);
      return { storageLocation: model.info.artifact_uri, ...(runId ? { sourceRunId: runId } : {}) };
    }
    const resolved = await resolveModelUri(source, storeModelUriClient(deps.registry, deps.tracking));
    await checkInheritedLocation(deps, resolved.artifactUri);
    return { storageLocation: resolved.artifactUri };
  } catch (error) {
    // MLflow wraps this as a 500; it is the caller's source that is wrong.
    const detail = error instanceof MlflowError ? error.message : String(error);
    throw invalidParameter(
      `Unable to fetch model from model URI source artifact location '${source}'.Error: ${detail}`,
    );
  }
}

/** A location inherited from another version: an absolute location that passes the policy. */
async function checkInheritedLocation(deps: ModelVersionServiceDeps, location: string): Promise<void> {
  if (uriScheme(location) === '' && !isAbsolute(location)) {
    throw invalidParameter(`'${location}' is not an artifact location (a prompt's source is only a label).`);
  }
  await deps.locations.checkNewLocation(location, 'model-version-source');
}

/** Appends `{name, version}` to the logged model's `mlflow.modelVersions` tag, once. */
async function recordRegistration(tracking: TrackingStore, model: LoggedModel, version: ModelVersion): Promise<void> {
  const current = model.info.tags?.find((t) => t.key === MODEL_VERSIONS_TAG)?.value;
  const entries = parseEntries(current);
  // MLflow stores the version as a number; clients later append string copies, which are kept.
  const entry = { name: version.name, version: Number(version.version) };
  const known = entries.some((e) => {
    const o = e as { name?: unknown; version?: unknown } | null;
    return o?.name === entry.name && o?.version === entry.version;
  });
  if (known) return;
  await tracking.setLoggedModelTags(model.info.model_id, [
    { key: MODEL_VERSIONS_TAG, value: pythonJsonDumps([...entries, entry]) },
  ]);
}

function parseEntries(value: string | undefined): PythonValue[] {
  if (value === undefined || value === '') return [];
  try {
    // Too deep to be a list of {name, version} entries; walking it would overflow the stack.
    if (exceedsJsonDepth(value)) return [];
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? parsed : [];
  } catch {
    // A hand-edited, unreadable tag is replaced rather than failing the registration.
    return [];
  }
}
