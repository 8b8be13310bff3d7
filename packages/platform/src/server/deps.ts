/** What `createApp` is built from: concrete stores and repositories, and frozen options. */
import type { ArtifactResolver } from '../artifacts/artifact-resolver.js';
import type { SourceValidationOptions } from '../registry/source-validation.js';
import type { RegistryStore } from '../store/registry-store.js';
import type { TrackingStore } from '../store/tracking-store.js';
import type { ServerMetrics } from './metrics.js';

export interface SecurityOptions {
  /** Turns off the Host check, the cross-origin write check and CORS headers. */
  readonly disabled: boolean;
  /** Extra allowed `Host` values (fnmatch-style `*` wildcards; `*` alone allows any). */
  readonly allowedHosts: readonly string[];
  /** Extra allowed CORS origins (`*` allows any). */
  readonly corsAllowedOrigins: readonly string[];
  /** `SAMEORIGIN`, `DENY`, or `NONE` for no header. */
  readonly xFrameOptions: string;
}

export interface AppOptions {
  /** Whether the `/api/2.0/mlflow-artifacts` proxy is served. */
  readonly serveArtifacts: boolean;
  /** Proxy only: tracking and registry routes answer 503. */
  readonly artifactsOnly: boolean;
  /** Prefix for the UI and ajax routes (`/p`), or ''. */
  readonly staticPrefix: string;
  /** Largest JSON request body, in bytes. */
  readonly maxJsonBodyBytes: number;
  readonly security: SecurityOptions;
  /** Directory of the built web UI, if any; otherwise a minimal page is served at `/`. */
  readonly uiDirectory?: string;
  /** Model-version source checks: the configured pattern and the directory local paths are relative to. */
  readonly modelVersionSources?: SourceValidationOptions;
}

/** Where the server reports problems; a subset of pino's and console's API. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string, cause?: unknown): void;
}

export interface AppDeps {
  readonly tracking: TrackingStore;
  readonly registry: RegistryStore;
  readonly artifacts: ArtifactResolver;
  readonly options: AppOptions;
  readonly logger: Logger;
  /** Prometheus metrics (`--expose-prometheus`): requests are recorded and `/metrics` is served. */
  readonly metrics?: ServerMetrics;
}

export const DEFAULT_APP_OPTIONS: AppOptions = Object.freeze({
  serveArtifacts: true,
  artifactsOnly: false,
  staticPrefix: '',
  maxJsonBodyBytes: 32 * 1024 * 1024,
  security: Object.freeze({
    disabled: false,
    allowedHosts: Object.freeze([]) as readonly string[],
    corsAllowedOrigins: Object.freeze([]) as readonly string[],
    xFrameOptions: 'SAMEORIGIN',
  }),
});
