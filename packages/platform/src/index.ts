/**
 * @keel/platform: Keel's Node platform. Build a tracking server from a configuration, open
 * stores directly, or extend it through its seams (stores, artifact repositories).
 */

// Artifact seams.
export * from './artifacts/index.js';
// CLI entry (used by the `keel` binary).
export { main } from './cli/main.js';
// Composition root.
export { createServer, type KeelServer, type OpenedStores, openStores, type StoreOptions } from './compose.js';
// Configuration.
export { ENV, type EnvName } from './config/env.js';
export { resolveServerConfig, type ServerConfig, type ServerConfigInput } from './config/server-config.js';
export { DURABILITY_MODES, type Durability } from './durability.js';
// Embedded mode: the server in-process, used by the client SDK for local store URIs.
export {
  type EmbeddedRequest,
  type EmbeddedResponse,
  type EmbeddedTransport,
  type EmbeddedTransportOptions,
  openEmbeddedTransport,
} from './embedded.js';
// Models: the MLflow model format, flavors, loading/saving and the scoring app.
export * from './models/index.js';
// Projects: run MLproject entry points as tracked runs (more in `@keel/platform/projects`).
export { ProjectError, ProjectRunFailedError, type RunProjectOptions, runProject } from './projects/index.js';
// Model registry: model URI resolution, source checks, version creation.
export * from './registry/index.js';

// The HTTP app.
export { createApp } from './server/app.js';
export type { AppDeps, AppOptions, Logger, SecurityOptions } from './server/deps.js';
export { DEFAULT_APP_OPTIONS } from './server/deps.js';
// Store seams.
export type { Actor, CreateModelVersionInput, RegistrySearchInput, RegistryStore } from './store/registry-store.js';
export type * from './store/tracking-store.js';
