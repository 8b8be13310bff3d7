// The artifact proxy in front of S3: a real `keel server` process whose --artifacts-destination is
// an S3-compatible server, driven over HTTP. Clients hold no storage credentials; the bytes land in
// the bucket under the destination prefix.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { bytesSource, DEFAULT_MULTIPART, KeelClient, resolveArtifactStore } from '@keel/client';
import { type S3TestServer, startS3TestServer } from '@keel/platform/testing';
import { type RunningServer, startKeelServer } from '../support/cli.js';
import { getGenerated, MiB, peakResidentBytes, putGenerated, resetPeakResident } from '../support/memory.js';
import { s3Env } from '../support/s3.js';
import { api, createRun, PROXY, rawRequest } from './support.js';

describe('artifact proxy with an S3 destination', () => {
  let s3: S3TestServer;
  let bucket: string;
  let dir: string;
  let keel: RunningServer;

  before(async () => {
    s3 = await startS3TestServer();
    bucket = await s3.createBucket();
    dir = mkdtempSync(join(tmpdir(), 'keel-s3-proxy-'));
    keel = await startKeelServer(
      [
        '--backend-store-uri',
        `sqlite:///${join(dir, 'mlflow.db')}`,
        '--artifacts-destination',
        `s3://${bucket}/mlartifacts`,
      ],
      { cwd: dir, env: s3Env(s3) },
    );
  });
  after(async () => {
    await keel?.stop();
    await s3?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function keysUnder(prefix: string): Promise<string[]> {
    const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    return (listed.Contents ?? []).map((o) => o.Key ?? '').sort();
  }

  it('uploads, lists, downloads and deletes through the proxy, storing under the destination prefix', async () => {
    const { runId, experimentId, artifactUri } = await createRun(keel.url, 'through-proxy');
    assert.equal(artifactUri, `mlflow-artifacts:/${experimentId}/${runId}/artifacts`);
    const base = `${PROXY}/${experimentId}/${runId}/artifacts`;
    assert.equal((await rawRequest(keel.url, 'PUT', `${base}/model/MLmodel`, { body: 'flavors: {}\n' })).status, 200);
    assert.equal((await rawRequest(keel.url, 'PUT', `${base}/metrics.csv`, { body: 'a,b\n1,2\n' })).status, 200);

    assert.deepEqual(await keysUnder(`mlartifacts/${experimentId}/`), [
      `mlartifacts/${experimentId}/${runId}/artifacts/metrics.csv`,
      `mlartifacts/${experimentId}/${runId}/artifacts/model/MLmodel`,
    ]);
    const down = await rawRequest(keel.url, 'GET', `${base}/model/MLmodel`);
    assert.equal(down.status, 200);
    assert.equal(down.text(), 'flavors: {}\n');
    assert.equal(down.headers['content-type'], 'text/plain');
    assert.equal(down.headers['content-length'], '12');

    const proxyList = await rawRequest(keel.url, 'GET', `${PROXY}?path=${experimentId}/${runId}/artifacts`);
    assert.deepEqual(proxyList.json(), {
      files: [
        { path: 'metrics.csv', is_dir: false, file_size: 8 },
        { path: 'model', is_dir: true },
      ],
    });
    const runList = await api(keel.url, 'GET', 'artifacts/list', { run_id: runId, path: 'model' });
    assert.deepEqual(runList, {
      root_uri: artifactUri,
      files: [{ path: 'model/MLmodel', is_dir: false, file_size: 12 }],
    });

    assert.equal((await rawRequest(keel.url, 'DELETE', `${base}/model`)).status, 200);
    assert.equal((await rawRequest(keel.url, 'GET', `${base}/model/MLmodel`)).status, 404);
    assert.deepEqual(await keysUnder(`mlartifacts/${experimentId}/`), [
      `mlartifacts/${experimentId}/${runId}/artifacts/metrics.csv`,
    ]);
  });

  it('refuses unsafe paths before S3 sees them', async () => {
    for (const bad of ['..%2f..%2fescape.txt', '%2e%2e/escape.txt', 'a/%2e%2e/%2e%2e/%2e%2e/escape.txt']) {
      const response = await rawRequest(keel.url, 'PUT', `${PROXY}/${bad}`, { body: 'x' });
      assert.equal(response.status, 400, bad);
    }
    assert.deepEqual(
      (await keysUnder('')).filter((k) => !k.startsWith('mlartifacts/')),
      [],
    );
  });

  it('uploads a large file in presigned parts: the client PUTs straight to S3, holding no credentials', async () => {
    const { runId, artifactUri } = await createRun(keel.url, 'multipart');
    const client = new KeelClient({ trackingUri: keel.url });
    const partBytes = 5 * MiB;
    const store = resolveArtifactStore(artifactUri, {
      transport: client.transport,
      trackingUri: keel.url,
      multipart: { ...DEFAULT_MULTIPART, thresholdBytes: partBytes, partBytes },
    });
    const data = randomBytes(2 * partBytes + 777);
    await store.write('weights/model.bin', bytesSource(data));
    const keys = await keysUnder('mlartifacts/');
    assert.ok(keys.some((k) => k.endsWith(`${runId}/artifacts/weights/model.bin`)));
    const stream = await store.read('weights/model.bin');
    const chunks: Uint8Array[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    assert.deepEqual(Buffer.concat(chunks), data);
    await client.close();
  });

  it('streams a file larger than its memory budget both ways', async () => {
    const { runId, experimentId } = await createRun(keel.url, 'large');
    const path = `${PROXY}/${experimentId}/${runId}/artifacts/big.bin`;
    const size = 160 * MiB;
    const pid = keel.child.pid as number;
    const before = resetPeakResident(pid);
    assert.equal(await putGenerated(keel.url, path, size), 200);
    // Straight from the bucket: every byte arrived.
    const object = await s3.client.send(
      new GetObjectCommand({ Bucket: bucket, Key: `mlartifacts/${experimentId}/${runId}/artifacts/big.bin` }),
    );
    assert.equal(object.ContentLength, size);
    (object.Body as Readable).destroy();
    // Back through the proxy, every byte checked as it streams.
    assert.equal(await getGenerated(keel.url, path, size), 200);
    // Parts in flight (4 x 8 MiB) and socket buffers, not the file: well below its 160 MiB.
    const growth = peakResidentBytes(pid) - before;
    assert.ok(growth < 110 * MiB, `server peak memory grew by ${Math.round(growth / MiB)} MiB`);
  });

  it('reads a stored s3:// location only inside the server S3 root', async () => {
    const inside = await createRun(keel.url, 'inside-root', `s3://${bucket}/mlartifacts/custom`);
    const outside = await createRun(keel.url, 'outside-root', `s3://${bucket}/elsewhere`);
    assert.equal(outside.artifactUri, `s3://${bucket}/elsewhere/${outside.runId}/artifacts`);
    await s3.client.send(
      new (await import('@aws-sdk/client-s3')).PutObjectCommand({
        Bucket: bucket,
        Key: `mlartifacts/custom/${inside.runId}/artifacts/note.txt`,
        Body: 'in',
      }),
    );
    const listed = await api(keel.url, 'GET', 'artifacts/list', { run_id: inside.runId });
    assert.deepEqual(listed.files, [{ path: 'note.txt', is_dir: false, file_size: 2 }]);
    const refused = await fetch(`${keel.url}/api/2.0/mlflow/artifacts/list?run_id=${outside.runId}`);
    assert.equal(refused.status, 403);
    assert.equal(((await refused.json()) as { error_code: string }).error_code, 'PERMISSION_DENIED');
    const malformed = await fetch(`${keel.url}/api/2.0/mlflow/experiments/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bad-bucket', artifact_location: 's3://-x/prefix' }),
    });
    assert.equal(malformed.status, 400);
  });
});
