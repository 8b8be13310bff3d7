/**
 * @keel/client: the typed TypeScript SDK for Keel and any MLflow-compatible tracking server.
 * Runs in Node 20 and browsers (fetch only). Node scripts import `@keel/client/node`, which
 * re-exports all of this and adds the environment, local stores, files and exit handling.
 */

// The wire contract the client speaks: errors, entities and endpoint tables.
export {
  type ErrorCode,
  type Experiment,
  type FileInfo,
  type Metric,
  MlflowError,
  type ModelVersion,
  type Param,
  type RegisteredModel,
  type Run,
  type RunInfo,
  type RunStatus,
  type RunTag,
  registry,
  tracking,
  type WireDouble,
} from '@keel/contract';
// Artifacts.
export { type ArtifactStoreContext, resolveArtifactStore } from './artifacts/artifact-resolver.js';
export { type ArtifactSource, type ArtifactStore, bytesSource } from './artifacts/artifact-store.js';
export { type ProxyLocation, resolveProxyLocation, validateArtifactPath } from './artifacts/artifact-uri.js';
export { DEFAULT_MULTIPART, type MultipartOptions, ProxyArtifactStore } from './artifacts/proxy-artifact-store.js';
// The low-level client: one method per endpoint of the contract tables.
export {
  type CallOptions,
  CLIENT_ENDPOINTS,
  type EndpointMethod,
  type EndpointMethods,
} from './client/endpoint-methods.js';
export { errorFromResponse } from './client/errors.js';
export { createHttpTransport, KeelClient } from './client/keel-client.js';
// Configuration: options over MLflow's environment variables.
export {
  CLIENT_ENV,
  type ClientConfig,
  type ClientEnvName,
  type ClientOptions,
  checkTrackingUri,
  DEFAULT_TRACKING_URI,
  type EnvSource,
  isHttpUri,
  readClientEnv,
  resolveClientConfig,
} from './config.js';
// The fluent API for training scripts.
export { ActiveRun, type DatasetSpec, type MetricOptions } from './fluent/active-run.js';
export type { DeliveryFailure, LogBatch, LogQueue, LogQueueOptions } from './fluent/log-queue.js';
export { generateRunName } from './fluent/run-names.js';
export { Tracker } from './fluent/tracker.js';
export type { StartRunOptions, TrackerOptions } from './fluent/tracker-options.js';
export { BATCH_LIMITS } from './fluent/validation.js';
// Registry conveniences.
export { modelUriClientFor } from './registry/model-uri-client.js';
export { type RegisterModelOptions, registerModel } from './registry/register-model.js';
// Transports and retries.
export {
  ConnectionFailedError,
  type ConnectionFailureReason,
  NO_SERVER_HINT,
} from './transport/connection-error.js';
export {
  type FetchFunction,
  HttpTransport,
  type HttpTransportOptions,
  type RetryNotice,
} from './transport/http-transport.js';
export { DEFAULT_RETRY, RETRYABLE_STATUSES, type RetryOptions } from './transport/retry.js';
export {
  readBodyText,
  type Transport,
  type TransportBody,
  type TransportRequest,
  type TransportResponse,
  type TransportResponseBody,
  toByteStream,
} from './transport/transport.js';
