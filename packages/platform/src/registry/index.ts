/** The model registry's logic above the stores: model URIs, source safety, version creation. */

// Model URI resolution, shared by the server, the CLI and (later) the SDK.
export {
  type ArtifactProbe,
  canProbeArtifacts,
  type ModelUriClient,
  type ParsedModelUri,
  parseModelUri,
  type ResolvedModelUri,
  resolveModelUri,
} from './model-uri.js';
// Creating versions (source checks, storage location, logged-model link).
export { createModelVersion, MODEL_VERSIONS_TAG, type ModelVersionServiceDeps } from './model-version-service.js';
// Source checks.
export {
  checkRemoteSource,
  isLocalSource,
  PROMPT_TAG,
  type SourceOwnerLookup,
  type SourceRequest,
  type SourceValidationOptions,
  validateModelVersionSource,
} from './source-validation.js';
// Store adapters.
export { storeModelUriClient, storeSourceOwners } from './store-model-uri-client.js';
