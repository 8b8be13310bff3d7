/**
 * The tracking server's configuration: resolved once from command-line options and the
 * environment (options win), with MLflow's defaults, then frozen.
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { S3Settings } from '../artifacts/s3-settings.js';
import type { Durability } from '../durability.js';
import { type EnvSource, readEnv } from './env.js';
import { resolveS3Config } from './s3-config.js';
import { checkStoreUri } from './store-uri-check.js';

export interface ServerConfig {
  readonly backendStoreUri: string;
  readonly registryStoreUri: string;
  readonly defaultArtifactRoot: string;
  readonly serveArtifacts: boolean;
  /** Absolute path or URI of the storage behind `mlflow-artifacts:`. */
  readonly artifactsDestination: string;
  readonly artifactsOnly: boolean;
  readonly host: string;
  readonly port: number;
  readonly staticPrefix: string;
  readonly allowedHosts: readonly string[];
  readonly corsAllowedOrigins: readonly string[];
  readonly disableSecurityMiddleware: boolean;
  readonly xFrameOptions: string;
  readonly truncateLongValues: boolean;
  readonly artifactLocationMaxLength: number;
  readonly modelVersionSourceRegex?: string;
  /** Accept and read local artifact locations outside the artifact roots (uploads still stay inside). */
  readonly allowLocalArtifactLocations: boolean;
  /** How `s3://` artifact locations are reached (MLflow's and AWS's S3 variables). */
  readonly s3: S3Settings;
  /** Server processes sharing the port (`--workers`); 1 runs the server in this process. */
  readonly workers: number;
  /** Most pooled connections per process to a PostgreSQL store; undefined -> the driver's default. */
  readonly dbPoolSize?: number;
  /** GraphQL query limits (MLflow's names and defaults): aliases per selection, top-level fields. */
  readonly graphqlMaxAliases: number;
  readonly graphqlMaxRootFields: number;
  /** `--expose-prometheus DIR`: serve `/metrics`. Keel keeps metrics in memory; DIR is MLflow's multiprocess directory. */
  readonly exposePrometheus?: string;
  /** Whether acknowledged writes must survive power loss (`durable`) or a process crash only. */
  readonly durability: Durability;
}

/** What the CLI may pass; every field falls back to the environment, then to the default. */
export type ServerConfigInput = Partial<ServerConfig>;

export const DEFAULT_DATABASE_FILE = 'mlflow.db';
export const DEFAULT_ARTIFACTS_DESTINATION = './mlartifacts';

/** Turns a local path into an absolute path; URIs (with a scheme) are kept as they are. */
export function absolutizeLocation(location: string, cwd: string): string {
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(location) && !/^[a-zA-Z]:[\\/]/.test(location)) return location;
  return isAbsolute(location) ? location : resolve(cwd, location);
}

function isDatabaseUri(uri: string): boolean {
  return /^(sqlite|postgres|postgresql|mysql|mssql)(\+\w+)?:/.test(uri);
}

function validateStaticPrefix(prefix: string): string {
  if (prefix === '') return '';
  if (!prefix.startsWith('/') || prefix.endsWith('/')) {
    throw new Error(`--static-prefix must start with '/' and must not end with '/', got '${prefix}'`);
  }
  return prefix;
}

/** Resolves the server configuration with MLflow's defaults (cli-and-env.md §2, artifacts.md §1.2). */
export function resolveServerConfig(input: ServerConfigInput, env: EnvSource, cwd: string): ServerConfig {
  const backendStoreUri = checkStoreUri(
    '--backend-store-uri',
    input.backendStoreUri ?? readEnv(env, 'MLFLOW_BACKEND_STORE_URI') ?? `sqlite:///${DEFAULT_DATABASE_FILE}`,
  );
  const serveArtifacts = input.serveArtifacts ?? readEnv(env, 'MLFLOW_SERVE_ARTIFACTS') ?? true;
  const artifactsDestination = absolutizeLocation(
    input.artifactsDestination ?? readEnv(env, 'MLFLOW_ARTIFACTS_DESTINATION') ?? DEFAULT_ARTIFACTS_DESTINATION,
    cwd,
  );
  let defaultArtifactRoot = input.defaultArtifactRoot ?? readEnv(env, 'MLFLOW_DEFAULT_ARTIFACT_ROOT');
  if (defaultArtifactRoot === undefined) {
    if (serveArtifacts) defaultArtifactRoot = 'mlflow-artifacts:/';
    else if (isDatabaseUri(backendStoreUri)) defaultArtifactRoot = resolve(cwd, 'mlruns');
    else defaultArtifactRoot = absolutizeLocation(backendStoreUri.replace(/^file:\/\//, ''), cwd);
  } else {
    defaultArtifactRoot = absolutizeLocation(defaultArtifactRoot, cwd);
  }
  const port = input.port ?? readEnv(env, 'MLFLOW_PORT') ?? 5000;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0-65535, got ${port}`);
  const modelVersionSourceRegex =
    input.modelVersionSourceRegex ?? readEnv(env, 'MLFLOW_CREATE_MODEL_VERSION_SOURCE_VALIDATION_REGEX');
  const scaleOut = resolveScaleOut(input, env, backendStoreUri);
  const exposePrometheus = input.exposePrometheus ?? readEnv(env, 'MLFLOW_EXPOSE_PROMETHEUS');

  return Object.freeze({
    backendStoreUri,
    registryStoreUri: checkStoreUri(
      '--registry-store-uri',
      input.registryStoreUri ?? readEnv(env, 'MLFLOW_REGISTRY_STORE_URI') ?? backendStoreUri,
    ),
    defaultArtifactRoot,
    serveArtifacts,
    artifactsDestination,
    artifactsOnly: input.artifactsOnly ?? readEnv(env, 'MLFLOW_ARTIFACTS_ONLY') ?? false,
    host: input.host ?? readEnv(env, 'MLFLOW_HOST') ?? '127.0.0.1',
    port,
    staticPrefix: validateStaticPrefix(input.staticPrefix ?? readEnv(env, 'MLFLOW_STATIC_PREFIX') ?? ''),
    allowedHosts: Object.freeze([...(input.allowedHosts ?? readEnv(env, 'MLFLOW_SERVER_ALLOWED_HOSTS') ?? [])]),
    corsAllowedOrigins: Object.freeze([
      ...(input.corsAllowedOrigins ?? readEnv(env, 'MLFLOW_SERVER_CORS_ALLOWED_ORIGINS') ?? []),
    ]),
    disableSecurityMiddleware:
      input.disableSecurityMiddleware ?? readEnv(env, 'MLFLOW_SERVER_DISABLE_SECURITY_MIDDLEWARE') ?? false,
    xFrameOptions: input.xFrameOptions ?? readEnv(env, 'MLFLOW_SERVER_X_FRAME_OPTIONS') ?? 'SAMEORIGIN',
    truncateLongValues: input.truncateLongValues ?? readEnv(env, 'MLFLOW_TRUNCATE_LONG_VALUES') ?? true,
    artifactLocationMaxLength:
      input.artifactLocationMaxLength ?? readEnv(env, 'MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH') ?? 2048,
    ...(modelVersionSourceRegex === undefined ? {} : { modelVersionSourceRegex }),
    allowLocalArtifactLocations:
      input.allowLocalArtifactLocations ?? readEnv(env, 'KEEL_ALLOW_LOCAL_ARTIFACT_LOCATIONS') ?? false,
    graphqlMaxAliases: positive(
      input.graphqlMaxAliases ?? readEnv(env, 'MLFLOW_SERVER_GRAPHQL_MAX_ALIASES') ?? 10,
      'MLFLOW_SERVER_GRAPHQL_MAX_ALIASES',
    ),
    graphqlMaxRootFields: positive(
      input.graphqlMaxRootFields ?? readEnv(env, 'MLFLOW_SERVER_GRAPHQL_MAX_ROOT_FIELDS') ?? 10,
      'MLFLOW_SERVER_GRAPHQL_MAX_ROOT_FIELDS',
    ),
    s3: input.s3 ?? resolveS3Config(env),
    ...scaleOut,
    ...(exposePrometheus === undefined ? {} : { exposePrometheus }),
    durability: input.durability ?? readEnv(env, 'KEEL_DURABILITY') ?? 'durable',
  });
}

function positive(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${value}`);
  return value;
}

/** Worker processes and the database pool size, checked. */
function resolveScaleOut(
  input: ServerConfigInput,
  env: EnvSource,
  backendStoreUri: string,
): Pick<ServerConfig, 'workers' | 'dbPoolSize'> {
  const workers = input.workers ?? readEnv(env, 'MLFLOW_WORKERS') ?? 1;
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) {
    throw new Error(`--workers must be an integer from 1 to 256, got ${workers}`);
  }
  if (workers > 1 && /^sqlite(\+\w+)?:\/\/(\/?:memory:)?$/.test(backendStoreUri)) {
    throw new Error(
      '--workers above 1 needs a database the processes can share: an in-memory SQLite store lives in one process',
    );
  }
  const dbPoolSize = input.dbPoolSize ?? readEnv(env, 'MLFLOW_SQLALCHEMYSTORE_POOL_SIZE');
  if (dbPoolSize !== undefined && (!Number.isInteger(dbPoolSize) || dbPoolSize < 1 || dbPoolSize > 1000)) {
    throw new Error(`--db-pool-size must be an integer from 1 to 1000, got ${dbPoolSize}`);
  }
  return { workers, ...(dbPoolSize === undefined ? {} : { dbPoolSize }) };
}

/** A store URI fit to print: the password of `scheme://user:password@host` becomes `***`. */
export function redactStoreUri(uri: string): string {
  return uri.replace(/^([a-zA-Z][\w+.-]*:\/\/[^:/@]*):[^@/]*@/, '$1:***@');
}

/** Human-readable location of a local store or destination, for start-up messages. */
export function describeLocation(uri: string): string {
  return uri.startsWith('/') ? pathToFileURL(uri).href : uri;
}
