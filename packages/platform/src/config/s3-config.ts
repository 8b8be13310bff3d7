/** S3 settings from the environment (MLflow's and AWS's variable names), read once at the edge. */
import {
  DEFAULT_S3_PART_BYTES,
  DEFAULT_S3_QUEUE_SIZE,
  parseUploadExtraArgs,
  S3_MIN_PART_BYTES,
  type S3AddressingStyle,
  type S3Settings,
  s3Settings,
} from '../artifacts/s3-settings.js';
import { type EnvSource, readEnv } from './env.js';

const ADDRESSING_STYLES: readonly S3AddressingStyle[] = ['auto', 'path', 'virtual'];

/**
 * Resolves the S3 settings; a malformed value throws a one-line error naming the variable.
 *
 * @example
 * const settings = resolveS3Config({ MLFLOW_S3_ENDPOINT_URL: 'http://127.0.0.1:9000' });
 */
export function resolveS3Config(env: EnvSource): S3Settings {
  const style = (readEnv(env, 'MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE') ?? 'auto').toLowerCase();
  if (!ADDRESSING_STYLES.includes(style as S3AddressingStyle)) {
    throw new Error(`MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE must be auto, path or virtual, got '${style}'`);
  }
  const endpointUrl =
    readEnv(env, 'MLFLOW_S3_ENDPOINT_URL') ?? readEnv(env, 'AWS_ENDPOINT_URL_S3') ?? readEnv(env, 'AWS_ENDPOINT_URL');
  if (endpointUrl !== undefined && !/^https?:\/\/[^/]/i.test(endpointUrl)) {
    throw new Error(`MLFLOW_S3_ENDPOINT_URL must be an http(s) URL, got '${endpointUrl}'`);
  }
  const accessKeyId = readEnv(env, 'AWS_ACCESS_KEY_ID');
  const secretAccessKey = readEnv(env, 'AWS_SECRET_ACCESS_KEY');
  const sessionToken = readEnv(env, 'AWS_SESSION_TOKEN');
  const rawExtra = readEnv(env, 'MLFLOW_S3_UPLOAD_EXTRA_ARGS');
  const owner = readEnv(env, 'MLFLOW_S3_EXPECTED_BUCKET_OWNER');
  const partBytes = readEnv(env, 'KEEL_S3_UPLOAD_PART_SIZE') ?? DEFAULT_S3_PART_BYTES;
  if (partBytes < S3_MIN_PART_BYTES) {
    throw new Error(
      `KEEL_S3_UPLOAD_PART_SIZE must be at least ${S3_MIN_PART_BYTES} (S3's smallest part), got ${partBytes}`,
    );
  }
  const queueSize = readEnv(env, 'KEEL_S3_UPLOAD_CONCURRENCY') ?? DEFAULT_S3_QUEUE_SIZE;
  if (queueSize < 1 || queueSize > 64) throw new Error(`KEEL_S3_UPLOAD_CONCURRENCY must be 1-64, got ${queueSize}`);
  return s3Settings({
    region: readEnv(env, 'AWS_REGION') ?? readEnv(env, 'AWS_DEFAULT_REGION') ?? 'us-east-1',
    addressingStyle: style as S3AddressingStyle,
    ignoreTls: readEnv(env, 'MLFLOW_S3_IGNORE_TLS') ?? false,
    uploadExtraArgs:
      rawExtra === undefined ? Object.freeze({}) : parseUploadExtraArgs(rawExtra, 'MLFLOW_S3_UPLOAD_EXTRA_ARGS'),
    partBytes,
    queueSize,
    ...(endpointUrl === undefined ? {} : { endpointUrl: endpointUrl.replace(/\/+$/, '') }),
    ...(owner === undefined ? {} : { expectedBucketOwner: owner }),
    ...(accessKeyId === undefined || secretAccessKey === undefined
      ? {}
      : {
          credentials: Object.freeze({
            accessKeyId,
            secretAccessKey,
            ...(sessionToken === undefined ? {} : { sessionToken }),
          }),
        }),
  });
}
