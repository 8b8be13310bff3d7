/**
 * The catalogue of environment variables Keel reads, with MLflow's public names. Only the CLI
 * edge reads `process.env`; everything below it takes resolved, frozen options.
 */
import { parseDurability } from '../durability.js';

export type EnvParser<T> = (raw: string, name: string) => T;

export interface EnvVar<T> {
  readonly name: string;
  readonly parse: EnvParser<T>;
  readonly description: string;
}

export const parseString: EnvParser<string> = (raw) => raw;

export const parseBoolean: EnvParser<boolean> = (raw, name) => {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
  throw new Error(`${name} must be true or false, got '${raw}'`);
};

export const parseInteger: EnvParser<number> = (raw, name) => {
  const n = Number(raw.trim());
  if (!Number.isInteger(n)) throw new Error(`${name} must be an integer, got '${raw}'`);
  return n;
};

export const parseList: EnvParser<string[]> = (raw) =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

function env<T>(name: string, parse: EnvParser<T>, description: string): EnvVar<T> {
  return { name, parse, description };
}

/** Every variable, by name. */
export const ENV = {
  MLFLOW_BACKEND_STORE_URI: env('MLFLOW_BACKEND_STORE_URI', parseString, 'Metadata store URI (sqlite:///path.db).'),
  MLFLOW_REGISTRY_STORE_URI: env(
    'MLFLOW_REGISTRY_STORE_URI',
    parseString,
    'Registry store URI (defaults to the backend store).',
  ),
  MLFLOW_DEFAULT_ARTIFACT_ROOT: env('MLFLOW_DEFAULT_ARTIFACT_ROOT', parseString, 'Artifact root for new experiments.'),
  MLFLOW_SERVE_ARTIFACTS: env('MLFLOW_SERVE_ARTIFACTS', parseBoolean, 'Serve the mlflow-artifacts proxy.'),
  MLFLOW_ARTIFACTS_DESTINATION: env('MLFLOW_ARTIFACTS_DESTINATION', parseString, 'Storage behind the artifact proxy.'),
  MLFLOW_ARTIFACTS_ONLY: env('MLFLOW_ARTIFACTS_ONLY', parseBoolean, 'Serve only the artifact proxy.'),
  MLFLOW_HOST: env('MLFLOW_HOST', parseString, 'Address to listen on.'),
  MLFLOW_PORT: env('MLFLOW_PORT', parseInteger, 'Port to listen on.'),
  MLFLOW_STATIC_PREFIX: env('MLFLOW_STATIC_PREFIX', parseString, 'URL prefix of the UI and ajax routes.'),
  MLFLOW_SERVER_ALLOWED_HOSTS: env('MLFLOW_SERVER_ALLOWED_HOSTS', parseList, 'Extra allowed Host header values.'),
  MLFLOW_SERVER_CORS_ALLOWED_ORIGINS: env(
    'MLFLOW_SERVER_CORS_ALLOWED_ORIGINS',
    parseList,
    'Extra allowed CORS origins.',
  ),
  MLFLOW_SERVER_DISABLE_SECURITY_MIDDLEWARE: env(
    'MLFLOW_SERVER_DISABLE_SECURITY_MIDDLEWARE',
    parseBoolean,
    'Turn off Host, CORS and header protections.',
  ),
  MLFLOW_SERVER_X_FRAME_OPTIONS: env('MLFLOW_SERVER_X_FRAME_OPTIONS', parseString, 'SAMEORIGIN, DENY or NONE.'),
  MLFLOW_TRUNCATE_LONG_VALUES: env(
    'MLFLOW_TRUNCATE_LONG_VALUES',
    parseBoolean,
    'Truncate over-long param and tag values instead of refusing them.',
  ),
  MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH: env(
    'MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH',
    parseInteger,
    'Longest experiment artifact location accepted.',
  ),
  MLFLOW_CREATE_MODEL_VERSION_SOURCE_VALIDATION_REGEX: env(
    'MLFLOW_CREATE_MODEL_VERSION_SOURCE_VALIDATION_REGEX',
    parseString,
    'Regex every model version source must match.',
  ),
  MLFLOW_WORKERS: env('MLFLOW_WORKERS', parseInteger, 'Server processes sharing the port.'),
  MLFLOW_SQLALCHEMYSTORE_POOL_SIZE: env(
    'MLFLOW_SQLALCHEMYSTORE_POOL_SIZE',
    parseInteger,
    'Most connections each server process opens to a PostgreSQL backend store.',
  ),
  MLFLOW_EXPOSE_PROMETHEUS: env(
    'MLFLOW_EXPOSE_PROMETHEUS',
    parseString,
    'Serve Prometheus metrics at /metrics (the value names a directory, as in MLflow).',
  ),
  MLFLOW_GUNICORN_OPTS: env('MLFLOW_GUNICORN_OPTS', parseString, "MLflow's gunicorn options (do not apply to Keel)."),
  MLFLOW_UVICORN_OPTS: env('MLFLOW_UVICORN_OPTS', parseString, "MLflow's uvicorn options (do not apply to Keel)."),
  MLFLOW_TRACKING_URI: env('MLFLOW_TRACKING_URI', parseString, 'Tracking server or store the client commands use.'),
  // S3 artifact storage (read by `config/s3-config.ts`).
  MLFLOW_S3_ENDPOINT_URL: env('MLFLOW_S3_ENDPOINT_URL', parseString, 'S3-compatible endpoint (MinIO, Ceph, ...).'),
  AWS_ENDPOINT_URL_S3: env('AWS_ENDPOINT_URL_S3', parseString, 'S3 endpoint when MLFLOW_S3_ENDPOINT_URL is unset.'),
  AWS_ENDPOINT_URL: env('AWS_ENDPOINT_URL', parseString, 'Endpoint of every AWS service, S3 included.'),
  MLFLOW_S3_IGNORE_TLS: env('MLFLOW_S3_IGNORE_TLS', parseBoolean, 'Skip TLS certificate checks for S3.'),
  MLFLOW_S3_UPLOAD_EXTRA_ARGS: env(
    'MLFLOW_S3_UPLOAD_EXTRA_ARGS',
    parseString,
    'JSON object of extra upload fields, e.g. {"ServerSideEncryption": "aws:kms"}.',
  ),
  MLFLOW_S3_EXPECTED_BUCKET_OWNER: env(
    'MLFLOW_S3_EXPECTED_BUCKET_OWNER',
    parseString,
    'Account ID that must own the artifact buckets.',
  ),
  MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE: env(
    'MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE',
    parseString,
    'S3 addressing: auto (path-style with a custom endpoint), path or virtual.',
  ),
  AWS_REGION: env('AWS_REGION', parseString, 'AWS region of the S3 buckets.'),
  AWS_DEFAULT_REGION: env('AWS_DEFAULT_REGION', parseString, 'AWS region when AWS_REGION is unset (us-east-1).'),
  AWS_ACCESS_KEY_ID: env('AWS_ACCESS_KEY_ID', parseString, 'S3 access key (else the AWS default credential chain).'),
  AWS_SECRET_ACCESS_KEY: env('AWS_SECRET_ACCESS_KEY', parseString, 'S3 secret key.'),
  AWS_SESSION_TOKEN: env('AWS_SESSION_TOKEN', parseString, 'S3 session token of temporary credentials.'),
  KEEL_S3_UPLOAD_PART_SIZE: env('KEEL_S3_UPLOAD_PART_SIZE', parseInteger, 'Bytes per part of S3 uploads (8 MiB).'),
  KEEL_S3_UPLOAD_CONCURRENCY: env(
    'KEEL_S3_UPLOAD_CONCURRENCY',
    parseInteger,
    'Parts of one S3 upload sent at once (4).',
  ),
  // keel models serve / predict
  MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT: env(
    'MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT',
    parseInteger,
    'Seconds a scoring request may take before it is answered 504.',
  ),
  MLFLOW_MODELS_WORKERS: env('MLFLOW_MODELS_WORKERS', parseInteger, 'Worker processes of keel models serve.'),
  KEEL_PYTHON: env('KEEL_PYTHON', parseString, 'Python interpreter of --env-manager local (default python3).'),
  MLFLOW_SERVER_GRAPHQL_MAX_ALIASES: env(
    'MLFLOW_SERVER_GRAPHQL_MAX_ALIASES',
    parseInteger,
    'Most aliased fields in one selection of a GraphQL query (default 10).',
  ),
  MLFLOW_SERVER_GRAPHQL_MAX_ROOT_FIELDS: env(
    'MLFLOW_SERVER_GRAPHQL_MAX_ROOT_FIELDS',
    parseInteger,
    'Most top-level fields in one GraphQL request (default 10).',
  ),
  KEEL_ALLOW_LOCAL_ARTIFACT_LOCATIONS: env(
    'KEEL_ALLOW_LOCAL_ARTIFACT_LOCATIONS',
    parseBoolean,
    'Accept and read local artifact locations outside the artifact roots (uploads still stay inside).',
  ),
  KEEL_DURABILITY: env(
    'KEEL_DURABILITY',
    (raw, name) => parseDurability(raw, name),
    'durable (default: acknowledged writes survive power loss) or relaxed (they survive a process crash).',
  ),
} as const satisfies Record<string, EnvVar<unknown>>;

export type EnvName = keyof typeof ENV;
export type EnvSource = Readonly<Record<string, string | undefined>>;

/** Reads one variable from `source`; undefined when unset or empty. */
export function readEnv<N extends EnvName>(
  source: EnvSource,
  name: N,
): ReturnType<(typeof ENV)[N]['parse']> | undefined {
  const raw = source[name];
  if (raw === undefined || raw === '') return undefined;
  return ENV[name].parse(raw, name) as ReturnType<(typeof ENV)[N]['parse']>;
}
