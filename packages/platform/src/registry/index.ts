/**
 * The model registry's logic above the stores: source safety and version creation. Model URI
 * resolution is shared with the clients and lives in the contract (`resolveModelUri`).
 */

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
