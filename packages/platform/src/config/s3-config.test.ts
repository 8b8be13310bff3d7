import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { usesPathStyle } from '../artifacts/s3-settings.js';
import { resolveS3Config } from './s3-config.js';

describe('resolveS3Config', () => {
  it('defaults to AWS in us-east-1 with the default credential chain', () => {
    const settings = resolveS3Config({});
    assert.equal(settings.endpointUrl, undefined);
    assert.equal(settings.region, 'us-east-1');
    assert.equal(settings.credentials, undefined);
    assert.equal(usesPathStyle(settings), false);
    assert.ok(Object.isFrozen(settings));
  });

  it("reads MLflow's and AWS's variables, MLFLOW_S3_ENDPOINT_URL first", () => {
    const settings = resolveS3Config({
      MLFLOW_S3_ENDPOINT_URL: 'http://127.0.0.1:9000/',
      AWS_ENDPOINT_URL: 'http://ignored:1',
      AWS_DEFAULT_REGION: 'eu-west-3',
      AWS_ACCESS_KEY_ID: 'key',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'token',
      MLFLOW_S3_IGNORE_TLS: 'true',
      MLFLOW_S3_EXPECTED_BUCKET_OWNER: '123456789012',
      MLFLOW_S3_UPLOAD_EXTRA_ARGS: '{"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": "k1"}',
    });
    assert.equal(settings.endpointUrl, 'http://127.0.0.1:9000');
    assert.equal(settings.region, 'eu-west-3');
    assert.deepEqual(settings.credentials, { accessKeyId: 'key', secretAccessKey: 'secret', sessionToken: 'token' });
    assert.equal(settings.ignoreTls, true);
    assert.equal(settings.expectedBucketOwner, '123456789012');
    assert.deepEqual(settings.uploadExtraArgs, { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'k1' });
    // `auto` addressing is path-style against a custom endpoint, as boto does.
    assert.equal(usesPathStyle(settings), true);
    assert.equal(usesPathStyle(resolveS3Config({ MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE: 'path' })), true);
    assert.equal(
      usesPathStyle(
        resolveS3Config({ MLFLOW_S3_ENDPOINT_URL: 'http://h:1', MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE: 'virtual' }),
      ),
      false,
    );
    assert.equal(resolveS3Config({ AWS_ENDPOINT_URL_S3: 'https://s3.example' }).endpointUrl, 'https://s3.example');
  });

  it('refuses malformed values with one line naming the variable', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE: 'sideways' }, /MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE/],
      [{ MLFLOW_S3_ENDPOINT_URL: 'minio:9000' }, /MLFLOW_S3_ENDPOINT_URL must be an http/],
      [{ MLFLOW_S3_UPLOAD_EXTRA_ARGS: '{not json' }, /MLFLOW_S3_UPLOAD_EXTRA_ARGS must be a JSON object/],
      [{ MLFLOW_S3_UPLOAD_EXTRA_ARGS: '[1]' }, /MLFLOW_S3_UPLOAD_EXTRA_ARGS must be a JSON object/],
      [{ MLFLOW_S3_UPLOAD_EXTRA_ARGS: '{"Bucket": "other"}' }, /'Bucket' is not an upload field/],
      [{ MLFLOW_S3_IGNORE_TLS: 'maybe' }, /MLFLOW_S3_IGNORE_TLS must be true or false/],
      [{ KEEL_S3_UPLOAD_PART_SIZE: '1024' }, /KEEL_S3_UPLOAD_PART_SIZE must be at least/],
    ];
    for (const [env, message] of cases) assert.throws(() => resolveS3Config(env), message, JSON.stringify(env));
  });
});
