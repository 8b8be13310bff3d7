/**
 * How Keel reaches S3 (or an S3-compatible server): resolved once from the environment at the
 * edge (`config/s3-config.ts`), frozen, and turned into an SDK client by the S3 factory. Kept
 * free of SDK imports so reading the configuration never loads the AWS SDK.
 */

/** Path-style (`host/bucket/key`) or virtual-hosted (`bucket.host/key`) addressing. */
export type S3AddressingStyle = 'auto' | 'path' | 'virtual';

/** Static credentials; absent -> the SDK's default chain (profiles, SSO, web identity, instance roles). */
export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface S3Settings {
  /** `MLFLOW_S3_ENDPOINT_URL` (or `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL`); absent -> AWS. */
  readonly endpointUrl?: string;
  /** `AWS_REGION` / `AWS_DEFAULT_REGION`; us-east-1 when neither is set. */
  readonly region: string;
  /** `MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE`; `auto` is path-style with a custom endpoint, virtual on AWS. */
  readonly addressingStyle: S3AddressingStyle;
  /** `MLFLOW_S3_IGNORE_TLS`: skip certificate checks (self-signed S3-compatible servers). */
  readonly ignoreTls: boolean;
  /** `MLFLOW_S3_UPLOAD_EXTRA_ARGS`: extra PutObject/CreateMultipartUpload fields (SSE, ACL, ...). */
  readonly uploadExtraArgs: Readonly<Record<string, unknown>>;
  /** `MLFLOW_S3_EXPECTED_BUCKET_OWNER`: every call then fails on a bucket owned by another account. */
  readonly expectedBucketOwner?: string;
  /** `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` (+ `AWS_SESSION_TOKEN`). */
  readonly credentials?: S3Credentials;
  /** Bytes per part of streamed multipart uploads. */
  readonly partBytes: number;
  /** Parts uploaded at once; memory per upload is about `partBytes * queueSize`. */
  readonly queueSize: number;
}

/** S3's smallest part size, and a default that keeps per-request overhead small. */
export const S3_MIN_PART_BYTES = 5 * 1024 * 1024;
export const DEFAULT_S3_PART_BYTES = 8 * 1024 * 1024;
export const DEFAULT_S3_QUEUE_SIZE = 4;

/** Settings for tests and programmatic use: everything else at its default. */
export function s3Settings(overrides: Partial<S3Settings> = {}): S3Settings {
  return Object.freeze({
    region: 'us-east-1',
    addressingStyle: 'auto',
    ignoreTls: false,
    uploadExtraArgs: Object.freeze({}),
    partBytes: DEFAULT_S3_PART_BYTES,
    queueSize: DEFAULT_S3_QUEUE_SIZE,
    ...overrides,
  });
}

/** Whether requests use path-style addressing under these settings. */
export function usesPathStyle(settings: S3Settings): boolean {
  if (settings.addressingStyle === 'auto') return settings.endpointUrl !== undefined;
  return settings.addressingStyle === 'path';
}

/**
 * Whether requests travel over TLS (AWS itself, or an `https:` endpoint). TLS already protects
 * the bytes, so uploads then skip SigV4's SHA-256 of each part (`UNSIGNED-PAYLOAD`, as boto does
 * over HTTPS); over plain HTTP the payload hash stays in the signature.
 */
export function usesTls(settings: S3Settings): boolean {
  return settings.endpointUrl === undefined || /^https:/i.test(settings.endpointUrl);
}

/** Upload fields a client may not override through `MLFLOW_S3_UPLOAD_EXTRA_ARGS`: Keel sets them. */
const RESERVED_UPLOAD_FIELDS = new Set(['Bucket', 'Key', 'Body', 'UploadId', 'PartNumber', 'ContentLength']);

/**
 * Parses `MLFLOW_S3_UPLOAD_EXTRA_ARGS` (a JSON object of PutObject fields, as boto's ExtraArgs:
 * `{"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": "..."}`); throws a one-line error otherwise.
 */
export function parseUploadExtraArgs(raw: string, name: string): Readonly<Record<string, unknown>> {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new Error(`${name} must be a JSON object, got '${raw}': ${(error as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`${name} must be a JSON object of upload fields, e.g. {"ServerSideEncryption": "AES256"}`);
  }
  for (const key of Object.keys(value)) {
    if (!/^[A-Z][A-Za-z0-9]*$/.test(key) || RESERVED_UPLOAD_FIELDS.has(key)) {
      throw new Error(
        `${name}: '${key}' is not an upload field Keel can pass on (use PutObject names like ACL, SSEKMSKeyId).`,
      );
    }
  }
  return Object.freeze({ ...(value as Record<string, unknown>) });
}
