import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type S3TestServer, startS3TestServer } from '../testing/s3-test-server.js';
import { createS3Client } from './s3-artifact-repository.js';
import { S3_MIN_PART_BYTES, s3Settings, usesTls } from './s3-settings.js';
import { PartBufferPool, type StreamedUploadTarget, uploadStream } from './s3-streamed-upload.js';

const PART = S3_MIN_PART_BYTES;

/** `size` bytes that differ at every offset, cut into chunks of `chunk` bytes. */
function patterned(size: number, chunk: number): Buffer[] {
  const all = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) all[i] = (i * 31 + (i >> 13)) & 0xff;
  const chunks: Buffer[] = [];
  for (let at = 0; at < size; at += chunk) chunks.push(all.subarray(at, Math.min(size, at + chunk)));
  return chunks;
}

function sha(chunks: readonly Uint8Array[]): string {
  const hash = createHash('sha256');
  for (const chunk of chunks) hash.update(chunk);
  return hash.digest('hex');
}

/** A client wrapper that records every command sent and the most part uploads in flight at once. */
function observed(client: S3Client) {
  const sent: string[] = [];
  let inFlight = 0;
  let most = 0;
  const wrapper = {
    async send(command: { constructor: { name: string } }) {
      const name = command.constructor.name;
      sent.push(name);
      if (name !== 'UploadPartCommand') return client.send(command as never);
      most = Math.max(most, ++inFlight);
      try {
        return await client.send(command as never);
      } finally {
        inFlight--;
      }
    },
  };
  return { client: wrapper as unknown as S3Client, sent, most: () => most };
}

describe('uploadStream against an S3-compatible server', () => {
  let s3: S3TestServer;
  let client: S3Client;
  let bucket: string;
  before(async () => {
    s3 = await startS3TestServer();
    client = createS3Client(s3.settings);
    bucket = await s3.createBucket();
  });
  after(async () => {
    client.destroy();
    await s3.close();
  });

  const target = (Key: string, unsignedPayload = false): StreamedUploadTarget => ({
    Bucket: bucket,
    Key,
    extra: {},
    owner: {},
    unsignedPayload,
  });

  async function stored(key: string): Promise<{ size: number; sha: string }> {
    const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const chunks: Uint8Array[] = [];
    for await (const chunk of object.Body as Readable) chunks.push(chunk as Uint8Array);
    return { size: chunks.reduce((n, c) => n + c.length, 0), sha: sha(chunks) };
  }

  it('stores every byte, in one PUT up to one part and in parts beyond, whatever the chunking', async () => {
    const cases = [
      { size: 0, chunk: 1, calls: ['PutObjectCommand'] },
      { size: 1000, chunk: 7, calls: ['PutObjectCommand'] },
      { size: PART, chunk: 65_536, calls: ['PutObjectCommand'] },
      { size: PART + 1, chunk: 65_536, parts: 2 },
      { size: 3 * PART, chunk: 1_000_003, parts: 3 },
      { size: 2 * PART + 12_345, chunk: 3 * PART, parts: 3 },
    ];
    for (const { size, chunk, calls, parts } of cases) {
      const key = `sizes/${size}-${chunk}.bin`;
      const chunks = size === 0 ? [] : patterned(size, chunk);
      const spy = observed(client);
      await uploadStream(spy.client, target(key), Readable.from(chunks), {
        pool: new PartBufferPool(PART, 3),
        queueSize: 2,
      });
      assert.deepEqual(await stored(key), { size, sha: sha(chunks) }, key);
      const expected = calls ?? [
        'CreateMultipartUploadCommand',
        ...Array.from({ length: parts ?? 0 }, () => 'UploadPartCommand'),
        'CompleteMultipartUploadCommand',
      ];
      assert.deepEqual(spy.sent, expected, key);
    }
  });

  it('keeps at most queueSize parts in flight and reuses part buffers across uploads', async () => {
    const pool = new PartBufferPool(PART, 3);
    let allocated = 0;
    const acquire = pool.acquire.bind(pool);
    const fresh = new Set<Buffer>();
    pool.acquire = () => {
      const buffer = acquire();
      if (!fresh.has(buffer)) {
        fresh.add(buffer);
        allocated++;
      }
      return buffer;
    };
    const chunks = patterned(6 * PART + 99, 65_536);
    for (const key of ['bounded/one.bin', 'bounded/two.bin']) {
      const spy = observed(client);
      await uploadStream(spy.client, target(key), Readable.from(chunks), { pool, queueSize: 2 });
      assert.ok(spy.most() <= 2, `${spy.most()} parts were in flight at once`);
      assert.deepEqual(await stored(key), { size: chunks.reduce((n, c) => n + c.length, 0), sha: sha(chunks) });
    }
    // Two in flight plus the one being filled; the second upload allocates nothing new.
    assert.ok(allocated <= 3, `${allocated} part buffers were allocated for 14 parts`);
  });

  it('leaves no object behind when the body fails midway, and reports the body failure', async () => {
    const failure = new Error('client went away');
    const body = Readable.from(
      (async function* () {
        yield* patterned(2 * PART + 10, 65_536);
        throw failure;
      })(),
    );
    await assert.rejects(
      uploadStream(client, target('failed/partial.bin'), body, { pool: new PartBufferPool(PART, 3), queueSize: 2 }),
      (error: unknown) => error === failure,
    );
    await assert.rejects(
      client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'failed/partial.bin' })),
      (error: { name?: string }) => error.name === 'NotFound',
    );
  });

  it('signs the payload hash over plain connections and sends UNSIGNED-PAYLOAD when asked (TLS)', async () => {
    const seen: { type: string; hash: string | undefined }[] = [];
    const spied = createS3Client(s3.settings);
    spied.middlewareStack.add(
      (next, context) => async (args) => {
        const headers = (args.request as { headers: Record<string, string> }).headers;
        seen.push({ type: String(context.commandName), hash: headers['x-amz-content-sha256'] });
        return next(args);
      },
      { step: 'finalizeRequest', name: 'recordPayloadHash' },
    );
    try {
      const body = () => Readable.from(patterned(PART + 5, 65_536));
      const pool = new PartBufferPool(PART, 3);
      await uploadStream(spied, target('hash/signed.bin'), body(), { pool, queueSize: 2 });
      await uploadStream(spied, target('hash/unsigned.bin', true), body(), { pool, queueSize: 2 });
      await uploadStream(spied, target('hash/small.bin', true), Readable.from([Buffer.from('x')]), {
        pool,
        queueSize: 2,
      });
    } finally {
      spied.destroy();
    }
    const parts = seen.filter((s) => s.type === 'UploadPartCommand' || s.type === 'PutObjectCommand');
    assert.equal(parts.length, 5);
    for (const part of parts.slice(0, 2)) assert.match(part.hash ?? '', /^[0-9a-f]{64}$/);
    for (const part of parts.slice(2)) assert.equal(part.hash, 'UNSIGNED-PAYLOAD');
    assert.equal((await stored('hash/unsigned.bin')).size, PART + 5);
  });
});

describe('usesTls', () => {
  it('is true for AWS itself and https endpoints, false for plain http ones', () => {
    assert.equal(usesTls(s3Settings()), true);
    assert.equal(usesTls(s3Settings({ endpointUrl: 'HTTPS://minio.internal:9000' })), true);
    assert.equal(usesTls(s3Settings({ endpointUrl: 'http://127.0.0.1:9000' })), false);
  });
});
