/**
 * @keel/contract: the wire contract shared by Keel's server, client SDK and UI.
 * No runtime dependencies; safe to bundle for browsers.
 */

// Endpoint tables.
export * from './endpoints/artifacts.js';
export * as datasets from './endpoints/datasets.js';
export { datasetEndpoints } from './endpoints/datasets.js';
export {
  AJAX_PREFIX,
  AJAX3_PREFIX,
  API_PREFIX,
  API3_PREFIX,
  type Endpoint,
  type EndpointBase,
  endpointPaths,
  type HttpMethod,
  KEEL_AJAX_PREFIX,
  KEEL_PREFIX,
  pathParams,
  type RequestOf,
  type ResponseOf,
} from './endpoints/endpoint.js';
export * as promptlab from './endpoints/promptlab.js';
export { promptlabEndpoints } from './endpoints/promptlab.js';
export * as registry from './endpoints/registry.js';
export { registryEndpoints } from './endpoints/registry.js';
export * as scorers from './endpoints/scorers.js';
export { type RegisteredScorer, scorerEndpoints } from './endpoints/scorers.js';
export * as traces from './endpoints/traces.js';
export { TRACE_ROUTES, traceEndpoints } from './endpoints/traces.js';
export * as tracking from './endpoints/tracking.js';
export { trackingEndpoints } from './endpoints/tracking.js';
// Entities in their wire shape.
export * from './entities/genai.js';
export * from './entities/registry.js';
export * from './entities/traces.js';
export * from './entities/tracking.js';
// Errors: codes, HTTP statuses, the one wire error type and its factories.
export {
  alreadyExists,
  badRequest,
  ERROR_STATUS,
  type ErrorBody,
  type ErrorCode,
  echoValue,
  errorCodeForStatus,
  InvalidValueError,
  internalError,
  invalidParameter,
  invalidParameterValue,
  invalidState,
  JsonNumberText,
  MlflowError,
  missingParameter,
  notFound,
  notImplemented,
  pythonFloatRepr,
  pythonTypeName,
  temporarilyUnavailable,
} from './errors.js';
// Message descriptors and the request decoder.
export {
  type DecodeSource,
  decodeMessage,
  type FieldSpec,
  type Fields,
  f,
  formatDuration,
  formatTimestamp,
  type Infer,
  type MessageOf,
  type MessageSpec,
  message,
  parseDuration,
  parseTimestamp,
  toNumber,
  toWireDouble,
  type WireDouble,
} from './message.js';

// URIs: joining artifact URIs, and the one resolver of model URIs (models:/, runs:/).
export {
  type ArtifactProbe,
  canProbeArtifacts,
  type ModelUriClient,
  type ParsedModelUri,
  parseModelUri,
  type ResolvedModelUri,
  resolveModelUri,
} from './model-uri.js';
export { appendToUri, uriScheme } from './uri.js';

// Protocol constants shared by servers and clients.
export { KEEL_VERSION, MLFLOW_COMPAT_VERSION } from './version.js';
