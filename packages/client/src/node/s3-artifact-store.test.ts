import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MlflowError } from '@keel/contract';
import { resolveArtifactStore } from '../artifacts/artifact-resolver.js';
import { DEFAULT_MULTIPART } from '../artifacts/proxy-artifact-store.js';
import type { Transport } from '../transport/transport.js';
import { S3StoreOpener, s3StoreSettingsFromEnv } from './s3-artifact-store.js';

const transport: Transport = {
  uri: 'http://127.0.0.1:1',
  request: async () => {
    throw new Error('no HTTP expected');
  },
};

describe('direct S3 artifact store settings and resolution', () => {
  it("reads MLflow's and AWS's variables", () => {
    const settings = s3StoreSettingsFromEnv({
      MLFLOW_S3_ENDPOINT_URL: 'http://127.0.0.1:9000',
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'k',
      AWS_SECRET_ACCESS_KEY: 's',
      MLFLOW_S3_UPLOAD_EXTRA_ARGS: '{"ACL": "bucket-owner-full-control"}',
      MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE: String(16 * 1024 * 1024),
    });
    assert.equal(settings.forcePathStyle, true);
    assert.equal(settings.region, 'eu-west-1');
    assert.deepEqual(settings.credentials, { accessKeyId: 'k', secretAccessKey: 's' });
    assert.deepEqual(settings.uploadExtraArgs, { ACL: 'bucket-owner-full-control' });
    assert.equal(settings.partBytes, 16 * 1024 * 1024);
    const aws = s3StoreSettingsFromEnv({});
    assert.equal(aws.forcePathStyle, false);
    assert.equal(aws.credentials, undefined);
    assert.equal(aws.partBytes >= 5 * 1024 * 1024, true);
    assert.throws(() => s3StoreSettingsFromEnv({ MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE: 'odd' }), MlflowError);
    assert.throws(() => s3StoreSettingsFromEnv({ MLFLOW_S3_UPLOAD_EXTRA_ARGS: '[]' }), /JSON object/);
  });

  it('opens s3:// roots through the resolver only when an opener is registered', () => {
    const opener = new S3StoreOpener(s3StoreSettingsFromEnv({}));
    const context = { transport, trackingUri: 'http://127.0.0.1:1', multipart: DEFAULT_MULTIPART };
    const store = resolveArtifactStore('s3://bucket/1/run/artifacts', {
      ...context,
      remote: new Map([['s3', (uri: string) => opener.open(uri)]]),
    });
    assert.equal(store.rootUri, 's3://bucket/1/run/artifacts');
    assert.throws(
      () => resolveArtifactStore('s3://bucket/x', context),
      (e: unknown) => e instanceof MlflowError && /scheme 's3:' is not supported/.test(e.message),
    );
    assert.throws(
      () =>
        resolveArtifactStore('gs://bucket/x', {
          ...context,
          remote: new Map([['s3', (uri: string) => opener.open(uri)]]),
        }),
      /s3:\/\/ \(direct\)/,
    );
  });

  it('refuses malformed roots and paths before any request', async () => {
    const opener = new S3StoreOpener(s3StoreSettingsFromEnv({}));
    assert.throws(() => opener.open('s3://'), /Invalid S3 artifact URI/);
    assert.throws(() => opener.open('s3://bucket/a/../b'), /'\.\.' segments/);
    const store = opener.open('s3://bucket/root');
    await assert.rejects(store.list('../escape'), /Invalid artifact path/);
    await assert.rejects(store.read('a//b'), /Invalid artifact path/);
    await opener.close();
  });
});
