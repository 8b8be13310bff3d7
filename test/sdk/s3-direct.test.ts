// Direct S3 access: the experiment's root is s3://, so a Node client holding credentials writes
// and reads the bucket itself (MLflow's direct mode), while the server lists the same objects with
// its own credentials; the CLI downloads them directly too.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MlflowError } from '@keel/client';
import { createTracker } from '@keel/client/node';
import { type S3TestServer, startS3TestServer, startTestServer, type TestServer } from '@keel/platform/testing';
import { runKeel } from '../support/cli.js';
import { s3Env } from '../support/s3.js';

describe('direct S3 artifact access from the Node SDK and the CLI', () => {
  let s3: S3TestServer;
  let bucket: string;
  let keel: TestServer;
  let dir: string;

  before(async () => {
    s3 = await startS3TestServer();
    bucket = await s3.createBucket();
    keel = await startTestServer({ defaultArtifactRoot: `s3://${bucket}/direct`, s3: s3.settings });
    dir = mkdtempSync(join(tmpdir(), 'keel-s3-direct-'));
  });
  after(async () => {
    await keel?.close();
    await s3?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs files to the bucket, lists them through the server, and downloads them back', async () => {
    const tracker = createTracker({ trackingUri: keel.url, env: s3Env(s3), handleExit: false });
    try {
      await tracker.setExperiment('direct-s3');
      const run = await tracker.startRun();
      assert.match(run.artifactUri, new RegExp(`^s3://${bucket}/direct/\\d+/${run.id}/artifacts$`));
      const src = join(dir, 'src');
      mkdirSync(join(src, 'nested'), { recursive: true });
      writeFileSync(join(src, 'a.txt'), 'alpha');
      writeFileSync(join(src, 'nested', 'b.bin'), Buffer.from([0, 1, 2, 255]));
      await tracker.logArtifacts(src, 'data');
      await run.logText('hello', 'notes/hello.txt');

      // The server reaches the same objects with its own credentials (the root is its default root).
      const listed = await fetch(`${keel.url}/api/2.0/mlflow/artifacts/list?run_id=${run.id}&path=data`);
      assert.deepEqual(await listed.json(), {
        root_uri: run.artifactUri,
        files: [
          { path: 'data/a.txt', is_dir: false, file_size: 5 },
          { path: 'data/nested', is_dir: true },
        ],
      });

      const out = await tracker.downloadArtifacts(run.id, 'data', join(dir, 'out'));
      assert.equal(readFileSync(join(out, 'a.txt'), 'utf8'), 'alpha');
      assert.deepEqual(readFileSync(join(out, 'nested', 'b.bin')), Buffer.from([0, 1, 2, 255]));
      const missing = await tracker.downloadArtifacts(run.id, 'nope.txt', join(dir, 'x')).catch((e: unknown) => e);
      assert.ok(missing instanceof MlflowError && missing.code === 'RESOURCE_DOES_NOT_EXIST');
      await tracker.endRun();

      const cli = await runKeel(
        ['artifacts', 'download', '-r', run.id, '-a', 'notes', '-d', join(dir, 'cli'), '--no-progress'],
        { env: { ...s3Env(s3), MLFLOW_TRACKING_URI: keel.url } },
      );
      assert.equal(cli.code, 0, cli.stderr);
      assert.equal(readFileSync(join(dir, 'cli', 'notes', 'hello.txt'), 'utf8'), 'hello');
    } finally {
      await tracker.close();
    }
  });

  it('fails with one clear message when the client has no way to reach the bucket', async () => {
    const tracker = createTracker({
      trackingUri: keel.url,
      env: { ...s3Env(s3), MLFLOW_S3_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_MAX_ATTEMPTS: '1' },
      handleExit: false,
    });
    try {
      await tracker.setExperiment('direct-s3-unreachable');
      const run = await tracker.startRun();
      const error = await run.logText('x', 'x.txt').catch((e: unknown) => e);
      assert.ok(error instanceof MlflowError, String(error));
      assert.match(error.message, /Uploading s3:\/\//);
    } finally {
      await tracker.close();
    }
  });
});
