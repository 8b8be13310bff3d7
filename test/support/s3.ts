// The S3-compatible test server (from @keel/platform/testing) as processes see it: the environment
// a Keel server, a client with credentials or the CLI uses to reach it.
import type { S3TestServer } from '@keel/platform/testing';

/** MLflow's and AWS's variables pointing at the test S3 server. */
export function s3Env(s3: S3TestServer): NodeJS.ProcessEnv {
  return {
    MLFLOW_S3_ENDPOINT_URL: s3.endpoint,
    AWS_ACCESS_KEY_ID: s3.settings.credentials?.accessKeyId ?? '',
    AWS_SECRET_ACCESS_KEY: s3.settings.credentials?.secretAccessKey ?? '',
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}
