// The SDK's multipart upload path (artifacts.md §3.4) against a scripted server that offers
// multipart, as an S3-backed MLflow server does: parts are sliced from the file on disk, sent to
// the presigned part URLs without the tracking credentials, completed with their ETags in order,
// and aborted when a part fails; the documented 501 answer makes the client fall back to one PUT.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HttpTransport, MlflowError, ProxyArtifactStore, resolveProxyLocation } from '@keel/client';
import { fileSource } from '@keel/client/node';
import { MULTIPART_UNSUPPORTED_MESSAGE } from '@keel/contract';
import { QUICK_RETRY } from './support.js';

const PART = 256 * 1024;
const ROOT = 'mlflow-artifacts:/1/run/artifacts';
const MPU = '/api/2.0/mlflow-artifacts/mpu';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

type Answer = (request: Seen, res: ServerResponse, url: string) => void;

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** A multipart-capable proxy: create hands out presigned part URLs on the same server. */
const multipartServer =
  (failPart?: number): Answer =>
  (request, res, url) => {
    const path = request.url.split('?', 1)[0] as string;
    if (request.method === 'POST' && path.startsWith(`${MPU}/create/`)) {
      const { num_parts } = JSON.parse(request.body.toString()) as { num_parts: number };
      const credentials = Array.from({ length: num_parts }, (_, i) => ({
        part_number: i + 1,
        url: `${url}/presigned/upload-7/part-${i + 1}?signature=abc`,
        headers: { 'x-part-header': `p${i + 1}` },
      }));
      return send(res, 200, { upload_id: 'upload-7', credentials });
    }
    const part = /^\/presigned\/upload-7\/part-(\d+)$/.exec(path);
    if (request.method === 'PUT' && part) {
      if (Number(part[1]) === failPart) {
        // What S3 answers for an expired presigned URL.
        res.writeHead(403, { 'content-type': 'application/xml' });
        return res.end('<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>');
      }
      return send(res, 200, {}, { etag: `"etag-${part[1]}"` });
    }
    if (request.method === 'POST' && (path.startsWith(`${MPU}/complete/`) || path.startsWith(`${MPU}/abort/`))) {
      return send(res, 200, {});
    }
    if (request.method === 'PUT' && path.startsWith('/api/2.0/mlflow-artifacts/artifacts/')) return send(res, 200, {});
    send(res, 404, { error_code: 'ENDPOINT_NOT_FOUND', message: path });
  };

describe('SDK multipart uploads', () => {
  let dir: string;
  let file: string;
  let data: Buffer;
  const servers: Server[] = [];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'keel-mpu-'));
    data = randomBytes(3 * PART + 1000);
    file = join(dir, 'big.bin');
    writeFileSync(file, data);
  });
  after(async () => {
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  async function scripted(answer: Answer): Promise<{ url: string; seen: Seen[] }> {
    const seen: Seen[] = [];
    let url = '';
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const request = {
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks),
        };
        seen.push(request);
        answer(request, res, url);
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { url, seen };
  }

  function storeFor(url: string): ProxyArtifactStore {
    const transport = new HttpTransport({
      baseUrl: url,
      headers: { authorization: 'Bearer tracking-token' },
      retry: QUICK_RETRY,
    });
    return new ProxyArtifactStore(transport, ROOT, resolveProxyLocation(ROOT, url), {
      thresholdBytes: PART,
      partBytes: PART,
    });
  }

  const calls = (seen: Seen[]) => seen.map((s) => `${s.method} ${s.url.split('?', 1)[0]}`);

  test('uploads each slice of the file to its presigned URL, then completes with the ETags in order', async () => {
    const s = await scripted(multipartServer());
    await storeFor(s.url).write('weights/big.bin', await fileSource(file));
    assert.deepEqual(calls(s.seen), [
      `POST ${MPU}/create/1/run/artifacts/weights`,
      'PUT /presigned/upload-7/part-1',
      'PUT /presigned/upload-7/part-2',
      'PUT /presigned/upload-7/part-3',
      'PUT /presigned/upload-7/part-4',
      `POST ${MPU}/complete/1/run/artifacts/weights`,
    ]);
    assert.deepEqual(JSON.parse(s.seen[0]?.body.toString() ?? ''), { path: 'big.bin', num_parts: 4 });
    const parts = s.seen.slice(1, 5);
    parts.forEach((p, i) => {
      assert.deepEqual(p.body, data.subarray(i * PART, (i + 1) * PART), `part ${i + 1} holds its slice`);
      assert.equal(p.headers['x-part-header'], `p${i + 1}`, 'the credential headers are sent');
      assert.equal(p.headers.authorization, undefined, 'presigned URLs get no tracking credentials');
      assert.ok(p.url.endsWith('?signature=abc'), 'the presigned query is kept');
    });
    assert.equal(s.seen[0]?.headers.authorization, 'Bearer tracking-token');
    const completed = JSON.parse(s.seen[5]?.body.toString() ?? '');
    assert.equal(completed.path, 'big.bin');
    assert.equal(completed.upload_id, 'upload-7');
    assert.deepEqual(
      completed.parts.map((p: { part_number: number; etag: string }) => [p.part_number, p.etag]),
      [
        [1, '"etag-1"'],
        [2, '"etag-2"'],
        [3, '"etag-3"'],
        [4, '"etag-4"'],
      ],
    );
  });

  test('aborts the upload when a part is refused, and reports the part', async () => {
    const s = await scripted(multipartServer(2));
    await assert.rejects(storeFor(s.url).write('weights/big.bin', await fileSource(file)), (error: unknown) => {
      assert.ok(error instanceof MlflowError);
      assert.equal(error.code, 'PERMISSION_DENIED');
      assert.match(
        error.message,
        /^Uploading part 2 of 'weights\/big.bin' .*failed with HTTP 403: AccessDenied Request has expired$/,
      );
      return true;
    });
    assert.deepEqual(calls(s.seen), [
      `POST ${MPU}/create/1/run/artifacts/weights`,
      'PUT /presigned/upload-7/part-1',
      'PUT /presigned/upload-7/part-2',
      `POST ${MPU}/abort/1/run/artifacts/weights`,
    ]);
    assert.deepEqual(JSON.parse(s.seen[3]?.body.toString() ?? ''), { path: 'big.bin', upload_id: 'upload-7' });
  });

  test('files below the threshold go in one PUT', async () => {
    const s = await scripted(multipartServer());
    const small = join(dir, 'small.bin');
    writeFileSync(small, data.subarray(0, PART - 1));
    await storeFor(s.url).write('small.bin', await fileSource(small));
    assert.deepEqual(calls(s.seen), ['PUT /api/2.0/mlflow-artifacts/artifacts/1/run/artifacts/small.bin']);
    assert.deepEqual(s.seen[0]?.body, data.subarray(0, PART - 1));
  });

  test("falls back to one PUT on MLflow's 501 answer, and skips the attempt for later files", async () => {
    const s = await scripted((request, res) => {
      if (request.url.startsWith(`${MPU}/create/`)) {
        return send(res, 501, { error_code: 'NOT_IMPLEMENTED', message: `${MULTIPART_UNSUPPORTED_MESSAGE}: local` });
      }
      send(res, 200, {});
    });
    const store = storeFor(s.url);
    await store.write('a.bin', await fileSource(file));
    await store.write('b.bin', await fileSource(file));
    assert.deepEqual(calls(s.seen), [
      `POST ${MPU}/create/1/run/artifacts`,
      'PUT /api/2.0/mlflow-artifacts/artifacts/1/run/artifacts/a.bin',
      'PUT /api/2.0/mlflow-artifacts/artifacts/1/run/artifacts/b.bin',
    ]);
    assert.deepEqual(s.seen[1]?.body, data);
  });
});
