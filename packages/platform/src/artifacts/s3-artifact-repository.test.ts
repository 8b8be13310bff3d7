import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { HeadObjectCommand, ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import { MlflowError } from '@keel/contract';
import { type S3TestServer, startS3TestServer } from '../testing/s3-test-server.js';
import { describeArtifactRepository } from './artifact-repository.contract.js';
import { createS3Client, S3ArtifactRepository } from './s3-artifact-repository.js';
import { s3ArtifactRepositoryFactory } from './s3-factory.js';
import { s3Settings } from './s3-settings.js';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function hasCode(code: string) {
  return (error: unknown) => error instanceof MlflowError && error.code === code;
}

describe('S3ArtifactRepository against an S3-compatible server', () => {
  let s3: S3TestServer;
  let client: S3Client;
  before(async () => {
    s3 = await startS3TestServer();
    client = createS3Client(s3.settings);
  });
  after(async () => {
    client.destroy();
    await s3.close();
  });

  describeArtifactRepository('S3ArtifactRepository', async () => {
    const bucket = await s3.createBucket();
    const repo = new S3ArtifactRepository(client, { bucket, prefix: 'team/artifacts' }, { settings: s3.settings });
    return { repo, cleanup: async () => repo.delete('') };
  });

  it('keeps every key under its prefix: a sibling prefix and the bucket root see only what belongs there', async () => {
    const bucket = await s3.createBucket();
    const settings = s3.settings;
    const inner = new S3ArtifactRepository(client, { bucket, prefix: 'root/inner' }, { settings });
    const sibling = new S3ArtifactRepository(client, { bucket, prefix: 'root/inner-sibling' }, { settings });
    await sibling.write('keep.txt', Readable.from([Buffer.from('sibling')]));
    // A file directly in `inner`: s3rver omits a common prefix that holds only deeper keys.
    await inner.write('a.txt', Readable.from([Buffer.from('inner')]));
    await inner.write('a/b.txt', Readable.from([Buffer.from('inner')]));
    const whole = new S3ArtifactRepository(client, { bucket, prefix: '' }, { settings });
    assert.deepEqual(await whole.list('root'), [
      { path: 'root/inner', is_dir: true },
      { path: 'root/inner-sibling', is_dir: true },
    ]);
    // Deleting the inner root removes its keys only, not the sibling whose name merely starts alike.
    await inner.delete('');
    assert.deepEqual(await inner.list(), []);
    assert.equal((await readAll((await sibling.read('keep.txt')).stream)).toString(), 'sibling');
  });

  it('follows continuation tokens through paginated listings and deletes', async () => {
    const bucket = await s3.createBucket();
    const repo = new S3ArtifactRepository(client, { bucket, prefix: 'p' }, { settings: s3.settings, pageSize: 2 });
    const names = Array.from({ length: 7 }, (_, i) => `f${i}.txt`);
    for (const name of names) await repo.write(`dir/${name}`, Readable.from([Buffer.from(name)]));
    await repo.write('dir/sub/x.txt', Readable.from([Buffer.from('x')]));
    const listed = await repo.list('dir');
    assert.deepEqual(
      listed.map((f) => f.path),
      [...names.map((n) => `dir/${n}`), 'dir/sub'],
    );
    assert.equal(listed[0]?.file_size, 6);
    await repo.delete('dir');
    assert.deepEqual(await repo.list(), []);
  });

  it('reads byte ranges', async () => {
    const bucket = await s3.createBucket();
    const repo = new S3ArtifactRepository(client, { bucket, prefix: '' }, { settings: s3.settings });
    const data = randomBytes(100_000);
    await repo.write('blob.bin', Readable.from([data]));
    const middle = await repo.readRange('blob.bin', 1000, 51_000);
    assert.equal(middle.size, 50_000);
    assert.deepEqual(await readAll(middle.stream), data.subarray(1000, 51_000));
    const tail = await repo.readRange('blob.bin', 99_990);
    assert.deepEqual(await readAll(tail.stream), data.subarray(99_990));
  });

  it('hands out presigned part URLs that a client without credentials can PUT to', async () => {
    const bucket = await s3.createBucket();
    const repo = new S3ArtifactRepository(client, { bucket, prefix: 'mpu' }, { settings: s3.settings });
    const partSize = 5 * 1024 * 1024;
    const data = randomBytes(partSize * 2 + 1234);
    const { uploadId, parts } = await repo.createMultipartUpload('big/model.bin', 3);
    assert.deepEqual(
      parts.map((p) => p.part_number),
      [1, 2, 3],
    );
    const etags: { part_number: number; etag: string }[] = [];
    for (const part of parts) {
      const start = (part.part_number - 1) * partSize;
      const body = data.subarray(start, Math.min(data.length, start + partSize));
      // Plain fetch: the URL alone authorises the PUT.
      const response = await fetch(part.url, { method: 'PUT', body, headers: { ...part.headers } });
      assert.equal(response.status, 200, await response.text());
      etags.push({ part_number: part.part_number, etag: response.headers.get('etag') ?? '' });
    }
    await repo.completeMultipartUpload('big/model.bin', uploadId, etags.reverse());
    const read = await repo.read('big/model.bin');
    assert.equal(read.size, data.length);
    assert.equal(
      createHash('sha256')
        .update(await readAll(read.stream))
        .digest('hex'),
      createHash('sha256').update(data).digest('hex'),
    );

    // S3 drops an aborted upload; s3rver has no abort call, which must surface as NOT_IMPLEMENTED
    // (the client ignores abort failures), never as a server error.
    const aborted = await repo.createMultipartUpload('big/aborted.bin', 2);
    const abort = await repo.abortMultipartUpload('big/aborted.bin', aborted.uploadId).then(
      () => 'aborted',
      (error: unknown) => (error instanceof MlflowError ? error.code : String(error)),
    );
    if (abort === 'aborted') {
      const pending = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
      assert.equal(
        (pending.Uploads ?? []).some((u) => u.UploadId === aborted.uploadId),
        false,
      );
    } else {
      assert.equal(abort, 'NOT_IMPLEMENTED');
    }
    await assert.rejects(repo.read('big/aborted.bin'), hasCode('RESOURCE_DOES_NOT_EXIST'));
    await assert.rejects(repo.createMultipartUpload('x.bin', 0), hasCode('INVALID_PARAMETER_VALUE'));
    await assert.rejects(repo.completeMultipartUpload('x.bin', uploadId, []), hasCode('INVALID_PARAMETER_VALUE'));
  });

  it('passes MLFLOW_S3_UPLOAD_EXTRA_ARGS fields on to uploads', async () => {
    const bucket = await s3.createBucket();
    const settings = s3Settings({ ...s3.settings, uploadExtraArgs: { Metadata: { team: 'vision' } } });
    const repo = new S3ArtifactRepository(client, { bucket, prefix: 'x' }, { settings });
    await repo.write('tagged.txt', Readable.from([Buffer.from('t')]));
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'x/tagged.txt' }));
    assert.equal(head.Metadata?.team, 'vision');
  });

  it('answers a missing bucket with RESOURCE_DOES_NOT_EXIST and an unreachable server with TEMPORARILY_UNAVAILABLE', async () => {
    const missing = new S3ArtifactRepository(
      client,
      { bucket: 'no-such-bucket-here', prefix: '' },
      { settings: s3.settings },
    );
    await assert.rejects(missing.list(), hasCode('RESOURCE_DOES_NOT_EXIST'));
    const offline = s3Settings({ ...s3.settings, endpointUrl: 'http://127.0.0.1:9' });
    const offlineClient = createS3Client(offline);
    try {
      const repo = new S3ArtifactRepository(offlineClient, { bucket: 'any-bucket', prefix: '' }, { settings: offline });
      await assert.rejects(repo.list(), hasCode('TEMPORARILY_UNAVAILABLE'));
    } finally {
      offlineClient.destroy();
    }
  });

  it('opens s3:// URIs through the factory, sharing one client, and refuses malformed ones', async () => {
    const bucket = await s3.createBucket();
    const factory = s3ArtifactRepositoryFactory(s3.settings);
    const a = await factory(`s3://${bucket}/one//two/`);
    await a.write('f.txt', Readable.from([Buffer.from('f')]));
    const b = await factory(`s3://${bucket}/one`);
    assert.deepEqual(await b.list('two'), [{ path: 'two/f.txt', is_dir: false, file_size: 1 }]);
    assert.equal(a.rootUri, `s3://${bucket}/one//two/`);
    for (const bad of ['s3://', 's3://-x/p', `s3://${bucket}/a/../b`, `s3://${bucket}/p?versionId=1`]) {
      await assert.rejects(
        Promise.resolve().then(() => factory(bad)),
        hasCode('INVALID_PARAMETER_VALUE'),
        bad,
      );
    }
  });
});
