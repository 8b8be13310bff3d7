/**
 * @keel/client/node: the SDK for Node scripts. Everything of `@keel/client`, plus a client and
 * a tracker that read MLflow's environment once, open local stores in-process (through the
 * optional `@keel/platform` package), write local artifact roots directly, upload and download
 * files, log system metrics, and deliver pending data when the process ends.
 */
export * from '../index.js';
// Files, local stores, TLS and system metrics.
export {
  type DownloadProgress,
  downloadFromStore,
  fileSource,
  type TransferProgress,
  type UploadOptions,
  uploadDirectory,
  uploadFile,
} from './file-artifacts.js';
export { LocalArtifactStore } from './local-artifact-store.js';
// Models: saving, logging (MLflow 3 logged models, or run artifacts), loading and fetching by URI.
export { type DownloadModelOptions, downloadModel, isLocalModelUri, type LocalModel } from './model-download.js';
export {
  type LoadModelOptions,
  type LoggedModelInfo,
  type LogModelOptions,
  loadModel,
  logModel,
  type MlModelDocument,
  type Model,
  type ModelSpec,
  type ModelSpecCommon,
  type SignatureSpec,
  saveModel,
} from './models.js';
// Node entry points.
export { createClient, type NodeClientOptions, readCredentialsFile } from './node-client.js';
export { createTracker, NodeTracker, type NodeTrackerOptions } from './node-tracker.js';
export { S3ArtifactStore, S3StoreOpener, type S3StoreSettings, s3StoreSettingsFromEnv } from './s3-artifact-store.js';
export { SystemMetricsMonitor } from './system-metrics.js';
export { gitCommit } from './system-tags.js';
export { createStreamingFetch, createTlsFetch, type TlsOptions } from './tls-fetch.js';
